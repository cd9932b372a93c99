// The occlusion heat as a semi-transparent PNG with the displayed image's aspect ratio, to lay over it
// (CSS: same box, `object-fit` as the image). Cells keep hard edges on purpose: the measurement is per
// cell, and smoothing would suggest a precision the grid does not have. Outside the model's square
// crop (the part of a non-square image the model never sees) the overlay stays transparent.
import sharp from "sharp";
import { sharpGate } from "../core/sharp.gate.js";
import type { DisplayRect } from "./occlusion.js";

/** The overlay's longer side at most this many pixels (clients stretch it over the displayed image). */
export const MAX_OVERLAY_SIDE = 512;
/** Opacity of a cell with heat 1; lower heat fades linearly to fully transparent at 0. */
export const MAX_ALPHA = 0.65;

/** Heat 0..1 → RGBA: yellow (low) to red (high), alpha proportional to heat. */
export function heatColour(heat: number): [number, number, number, number] {
  const h = Math.min(1, Math.max(0, heat));
  return [255, Math.round(220 * (1 - h)), 0, Math.round(255 * MAX_ALPHA * h)];
}

export interface OverlayImage {
  width: number;
  height: number;
  png: Buffer;
}

/** Renders `cells[i]` (rectangles on the width×height image) in heatColour(heat[i]). */
export async function renderHeatmap(
  width: number,
  height: number,
  cells: readonly DisplayRect[],
  heat: readonly number[],
  maxSide = MAX_OVERLAY_SIDE,
): Promise<OverlayImage> {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const outW = Math.max(1, Math.round(width * scale));
  const outH = Math.max(1, Math.round(height * scale));
  const rgba = Buffer.alloc(outW * outH * 4);
  for (const [i, cell] of cells.entries()) {
    const [r, g, b, a] = heatColour(heat[i] ?? 0);
    if (a === 0) continue;
    // Edges rounded the same way for neighbours, so adjacent cells neither overlap nor leave gaps.
    const x0 = Math.max(0, Math.round(cell.x * scale));
    const x1 = Math.min(outW, Math.round((cell.x + cell.width) * scale));
    const y0 = Math.max(0, Math.round(cell.y * scale));
    const y1 = Math.min(outH, Math.round((cell.y + cell.height) * scale));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const p = (y * outW + x) * 4;
        rgba[p] = r;
        rgba[p + 1] = g;
        rgba[p + 2] = b;
        rgba[p + 3] = a;
      }
    }
  }
  // Shared with the image decode's gate: any sharp call drains libvips' process-wide warning queue.
  const png = await sharpGate.withShared(() =>
    sharp(rgba, { raw: { width: outW, height: outH, channels: 4 } })
      .png()
      .toBuffer(),
  );
  return { width: outW, height: outH, png };
}
