// Validates image bytes at import time: a record whose image cannot be fully decoded is rejected
// before anything is written.
import sharp, { type Metadata } from "sharp";
import { MedcapError } from "../core/errors.js";

export interface ProbedImage {
  format: string;
  width: number;
  height: number;
  ext: string;
}

const EXT: Record<string, string> = { png: "png", jpeg: "jpg", webp: "webp", tiff: "tif", gif: "gif" };

export async function probeImage(bytes: Uint8Array, maxPixels: number): Promise<ProbedImage> {
  if (bytes.byteLength === 0) throw new MedcapError("BAD_USER_INPUT", "image is empty (0 bytes)");
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: maxPixels }).metadata();
  } catch (err) {
    throw new MedcapError("UNSUPPORTED_MEDIA", `not a decodable image: ${(err as Error).message}`);
  }
  const ext = meta.format ? EXT[meta.format] : undefined;
  if (!ext || !meta.width || !meta.height) {
    throw new MedcapError("UNSUPPORTED_MEDIA", `unsupported image format ${meta.format ?? "unknown"}`);
  }
  if (meta.width * meta.height > maxPixels) {
    throw new MedcapError("BAD_USER_INPUT", `image is ${meta.width}x${meta.height}, over the ${maxPixels}-pixel limit`);
  }
  try {
    // Full decode: headers of truncated files parse fine, only the pixels reveal the damage.
    await sharp(bytes, { failOn: "truncated", limitInputPixels: maxPixels }).raw().toBuffer();
  } catch (err) {
    throw new MedcapError("BAD_USER_INPUT", `image is corrupt or truncated: ${(err as Error).message}`);
  }
  return { format: meta.format as string, width: meta.width, height: meta.height, ext };
}
