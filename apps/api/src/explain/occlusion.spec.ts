import { describe, expect, it } from "vitest";
import { cosine } from "../core/cosine.js";
import { cellRects, gridCells, heatFromDrops, OCCLUDER_LUMINANCE, occlude, patchAround } from "./occlusion.js";

const spec = { size: 10, mean: [0.5, 0.4, 0.3], std: [0.5, 0.25, 0.2] };

describe("gridCells", () => {
  it("tiles the input exactly, also when the size does not divide by the grid", () => {
    const cells = gridCells(10, 3);
    expect(cells).toHaveLength(9);
    const covered = new Array(100).fill(0);
    for (const c of cells) for (let y = c.y0; y < c.y1; y++) for (let x = c.x0; x < c.x1; x++) covered[y * 10 + x]++;
    expect(covered.every((n) => n === 1)).toBe(true);
    expect(cells[4]).toMatchObject({ row: 1, col: 1, x0: 3, x1: 6, y0: 3, y1: 6 });
  });
});

describe("patchAround", () => {
  const cells = gridCells(40, 4); // cells of 10 px
  it("is the cell itself for patch 1, centred for odd patches, right/down for even ones, clipped at the edges", () => {
    expect(patchAround(cells[5]!, 40, 4, 1)).toBe(cells[5]);
    expect(patchAround(cells[5]!, 40, 4, 3)).toEqual({ row: 1, col: 1, x0: 0, x1: 30, y0: 0, y1: 30 });
    expect(patchAround(cells[5]!, 40, 4, 2)).toEqual({ row: 1, col: 1, x0: 10, x1: 30, y0: 10, y1: 30 });
    expect(patchAround(cells[15]!, 40, 4, 3)).toEqual({ row: 3, col: 3, x0: 20, x1: 40, y0: 20, y1: 40 });
  });
});

describe("occlude", () => {
  it("sets only the cell, in every channel, to the normalised mid grey, and leaves the input untouched", () => {
    const tensor = Float32Array.from({ length: 300 }, (_, i) => i);
    const cell = gridCells(10, 2)[3]!; // bottom right: rows/cols 5..9
    const out = occlude(tensor, spec, cell);
    expect(tensor[299]).toBe(299);
    for (let ch = 0; ch < 3; ch++) {
      const grey = Math.fround(Math.fround(OCCLUDER_LUMINANCE - Math.fround(spec.mean[ch]!)) / Math.fround(spec.std[ch]!));
      for (let y = 0; y < 10; y++)
        for (let x = 0; x < 10; x++) {
          const i = ch * 100 + y * 10 + x;
          expect(out[i]).toBe(y >= 5 && x >= 5 ? grey : i);
        }
    }
  });

  it("refuses a tensor of the wrong size", () => {
    expect(() => occlude(new Float32Array(10), spec, gridCells(10, 2)[0]!)).toThrow(/expected/);
  });
});

describe("heatFromDrops", () => {
  it("scales by the largest drop and clips rises to 0", () => {
    expect(heatFromDrops([0.2, 0.1, -0.3, 0])).toEqual([1, 0.5, 0, 0]);
    expect(heatFromDrops([-0.1, -0.2])).toEqual([0, 0]);
  });
});

describe("cosine", () => {
  it("is scale-free and 0 for a zero vector", () => {
    expect(cosine(Float32Array.of(1, 0), Float32Array.of(3, 0))).toBeCloseTo(1);
    expect(cosine(Float32Array.of(1, 0), Float32Array.of(0, 2))).toBeCloseTo(0);
    expect(cosine(Float32Array.of(0, 0), Float32Array.of(1, 1))).toBe(0);
  });
});

describe("cellRects", () => {
  it("maps the square crop of a wide image back to its centre, cells tiling the crop", () => {
    // 400×200 → shorter side 224: resized 448×224, crop left 112 → x 56..256 on the original.
    const { crop, cells } = cellRects(400, 200, 224, gridCells(224, 2));
    expect(crop.x).toBeCloseTo(100);
    expect(crop.y).toBeCloseTo(0);
    expect(crop.width).toBeCloseTo(200);
    expect(crop.height).toBeCloseTo(200);
    expect(cells[1]!.x).toBeCloseTo(200);
    expect(cells[3]!.y).toBeCloseTo(100);
    expect(cells[3]!.x + cells[3]!.width).toBeCloseTo(300);
  });

  it("is the whole image for a square one", () => {
    const { crop } = cellRects(100, 100, 224, gridCells(224, 4));
    expect(crop).toEqual({ x: 0, y: 0, width: 100, height: 100 });
  });
});
