// Validates image bytes at import time: a record whose image cannot be fully decoded is rejected
// before anything is written.
import sharp, { type Metadata } from "sharp";
import { MedcapError } from "../core/errors.js";
import { watchTruncation } from "../encoders/image.preprocess.js";

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
    const pipeline = sharp(bytes, { failOn: "truncated", limitInputPixels: maxPixels });
    const truncation = watchTruncation(pipeline);
    await pipeline.raw().toBuffer();
    truncation.throwIfTruncated(meta.format ?? "image");
  } catch (err) {
    const reason =
      err instanceof MedcapError ? String(err.cause instanceof Error ? err.cause.message : err.message) : (err as Error).message;
    throw new MedcapError("BAD_USER_INPUT", `image is corrupt or truncated: ${reason}`);
  }
  return { format: meta.format as string, width: meta.width, height: meta.height, ext };
}
