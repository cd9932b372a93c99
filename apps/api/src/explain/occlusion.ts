// Occlusion sensitivity on the model-input tensor: grey out one grid cell at a time, re-encode, and
// measure how much the cosine to the target drops. Occluding AFTER preprocessing means the grid is
// exactly what the model sees (the centred square crop of the shorter-side resize); cellRects maps
// that grid back onto the image as displayed, for the overlay and for clients drawing their own.
import type { ImagePreprocessSpec } from "../encoders/image.preprocess.js";
import { shorterSideTarget } from "../encoders/image.preprocess.js";

export const MIN_GRID = 2;
export const MAX_GRID = 16;
export const DEFAULT_GRID = 8;
/** The grey patch's side in cells: 1 = the cell itself; larger patches overlap their neighbours. */
export const MIN_PATCH = 1;
export const MAX_PATCH = 4;
/** Luminance of the occluding patch, before normalisation: mid grey, neither bright nor dark. */
export const OCCLUDER_LUMINANCE = 0.5;

/** One cell of the grid in model-input pixels: rows [y0, y1), columns [x0, x1). */
export interface GridCell {
  row: number;
  col: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** The size×size input split into grid×grid cells; edges are floor(i·size/grid), so cells tile it exactly. */
export function gridCells(size: number, grid: number): GridCell[] {
  const edge = (i: number) => Math.floor((i * size) / grid);
  const cells: GridCell[] = [];
  for (let row = 0; row < grid; row++) {
    for (let col = 0; col < grid; col++) {
      cells.push({ row, col, x0: edge(col), x1: edge(col + 1), y0: edge(row), y1: edge(row + 1) });
    }
  }
  return cells;
}

/**
 * The region greyed out for `cell` with a patch of `patch` cells per side, centred on the cell
 * (for even sizes, the extra cell goes right/down) and clipped to the grid. The stride stays one
 * cell: the grid sets where patches start, `patch` how much each one hides.
 */
export function patchAround(cell: GridCell, size: number, grid: number, patch: number): GridCell {
  if (patch <= 1) return cell;
  const edge = (i: number) => Math.floor((i * size) / grid);
  const before = Math.floor((patch - 1) / 2);
  const after = patch - 1 - before;
  const r0 = Math.max(0, cell.row - before);
  const r1 = Math.min(grid - 1, cell.row + after);
  const c0 = Math.max(0, cell.col - before);
  const c1 = Math.min(grid - 1, cell.col + after);
  return { row: cell.row, col: cell.col, x0: edge(c0), x1: edge(c1 + 1), y0: edge(r0), y1: edge(r1 + 1) };
}

/** A copy of the [3, S, S] tensor with `cell` set to the normalised mid grey in every channel. */
export function occlude(tensor: Float32Array, spec: ImagePreprocessSpec, cell: GridCell): Float32Array {
  const size = spec.size;
  const plane = size * size;
  if (tensor.length !== 3 * plane) throw new Error(`expected a [3, ${size}, ${size}] tensor, got ${tensor.length} values`);
  const out = tensor.slice();
  for (let ch = 0; ch < 3; ch++) {
    const grey = Math.fround(Math.fround(OCCLUDER_LUMINANCE - Math.fround(spec.mean[ch] ?? 0)) / Math.fround(spec.std[ch] ?? 1));
    for (let y = cell.y0; y < cell.y1; y++) out.fill(grey, ch * plane + y * size + cell.x0, ch * plane + y * size + cell.x1);
  }
  return out;
}

/**
 * Heat per cell: the cosine drop scaled by the largest drop, clipped at 0. A cell whose occlusion
 * raises the similarity (negative drop) gets no heat; all heat 0 when no occlusion lowers it.
 */
export function heatFromDrops(drops: readonly number[]): number[] {
  const max = Math.max(0, ...drops);
  return drops.map((d) => (max > 0 ? Math.max(0, d) / max : 0));
}

/** A rectangle in displayed-image pixels (may be fractional; clients scale it with the image). */
export interface DisplayRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where the model's square crop lies on the original width×height image, and each cell's rectangle
 * there. The preprocessing resizes the shorter side to `size` (outW×outH) and crops the centred
 * size×size square at (left, top); one resized pixel covers width/outW original pixels.
 */
export function cellRects(
  width: number,
  height: number,
  size: number,
  cells: readonly GridCell[],
): { crop: DisplayRect; cells: DisplayRect[] } {
  const { width: outW, height: outH } = shorterSideTarget(width, height, size);
  const left = Math.floor((outW - size) / 2);
  const top = Math.floor((outH - size) / 2);
  const sx = width / outW;
  const sy = height / outH;
  const rect = (x0: number, y0: number, x1: number, y1: number): DisplayRect => ({
    x: (left + x0) * sx,
    y: (top + y0) * sy,
    width: (x1 - x0) * sx,
    height: (y1 - y0) * sy,
  });
  return { crop: rect(0, 0, size, size), cells: cells.map((c) => rect(c.x0, c.y0, c.x1, c.y1)) };
}
