// An AppContext over a throwaway embedded PostgreSQL and data folder, built like production.
import path from "node:path";
import { openTestDatabase } from "@medcap/db";
import sharp from "sharp";
import { loadConfig } from "../src/config/config.js";
import type { AppContext } from "../src/core/app.context.js";
import { createLogger } from "../src/core/logger.js";
import { ImageStore } from "../src/ingest/image.store.js";

export async function openTestApp(env: Record<string, string> = {}): Promise<AppContext> {
  const db = await openTestDatabase();
  const config = loadConfig({ MEDCAP_DATA_DIR: db.dataDir, MEDCAP_LOG_LEVEL: "silent", ...env });
  return {
    config,
    logger: createLogger("silent"),
    db,
    images: new ImageStore(path.join(db.dataDir, "images")),
    close: () => db.close(),
  };
}

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
