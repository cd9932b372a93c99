import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { heatColour, MAX_OVERLAY_SIDE, renderHeatmap } from "./heatmap.png.js";
import { cellRects, gridCells } from "./occlusion.js";

async function pixel(png: Buffer, x: number, y: number) {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const p = (y * info.width + x) * 4;
  return [data[p], data[p + 1], data[p + 2], data[p + 3]];
}

describe("renderHeatmap", () => {
  it("keeps the image's aspect, caps the longer side, and is transparent outside the model's crop", async () => {
    const cells = gridCells(224, 2);
    const rects = cellRects(2000, 1000, 224, cells).cells;
    const overlay = await renderHeatmap(2000, 1000, rects, [1, 0, 0, 0.5]);
    expect(overlay.width).toBe(MAX_OVERLAY_SIDE);
    expect(overlay.height).toBe(MAX_OVERLAY_SIDE / 2);
    const meta = await sharp(overlay.png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", 512, 256]);
    // The crop is x 500..1500 of 2000 → 128..384 of 512. Left margin: transparent.
    expect((await pixel(overlay.png, 10, 10))[3]).toBe(0);
    expect(await pixel(overlay.png, 140, 10)).toEqual(heatColour(1));
    expect((await pixel(overlay.png, 300, 10))[3]).toBe(0); // heat 0
    expect(await pixel(overlay.png, 300, 200)).toEqual(heatColour(0.5));
  });

  it("colours by heat: transparent at 0, opaque red at 1", () => {
    expect(heatColour(0)[3]).toBe(0);
    const [r, g, b, a] = heatColour(1);
    expect([r, g, b]).toEqual([255, 0, 0]);
    expect(a).toBeGreaterThan(0);
  });
});
