// Fixtures for medium tests: an AppContext built like production, and synthetic images.
import sharp from "sharp";

/** One fixture for every medium test: the API's own (throwaway embedded PostgreSQL and data folder). */
export { openTestAppContext as openTestApp } from "./server.testing.js";

/** A small grayscale PNG with a recognisable pattern per seed. */
export async function syntheticPng(seed: number, width = 64, height = 48): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      pixels[y * width + x] = (Math.sin((x + seed) / (3 + (seed % 5))) * 60 + Math.cos(y / (2 + (seed % 3))) * 60 + 128) & 255;
  }
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}
