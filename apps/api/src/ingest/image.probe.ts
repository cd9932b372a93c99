// Validates image bytes at import time: a record whose image cannot be fully decoded is rejected
// before anything is written. The decode is the API's own (encoders/image.preprocess.ts): one format
// sniffer, one truncation check, and nothing imported that the encoder would refuse at index time.
import { MedcapError } from "../core/errors.js";
import { decodeImage, type ImageFormat } from "../encoders/image.preprocess.js";

export interface ProbedImage {
  format: string;
  width: number;
  height: number;
  ext: string;
}

const EXT: Partial<Record<ImageFormat, string>> = { png: "png", jpeg: "jpg", webp: "webp", tiff: "tif" };

/** The image store's file extension for a decoded format; undefined for DICOM (query-only, never stored). */
export function storedExtension(format: ImageFormat): string | undefined {
  return EXT[format];
}

export async function probeImage(bytes: Uint8Array, maxPixels: number): Promise<ProbedImage> {
  if (bytes.byteLength === 0) throw new MedcapError("BAD_USER_INPUT", "image is empty (0 bytes)");
  let decoded: Awaited<ReturnType<typeof decodeImage>>;
  try {
    decoded = await decodeImage(bytes, { maxUploadBytes: Number.POSITIVE_INFINITY, maxPixels });
  } catch (err) {
    // Truncated or corrupt pixel data: name the decoder's own reason ("premature end of data…").
    if (err instanceof MedcapError && err.code === "BAD_USER_INPUT" && /corrupt or truncated/.test(err.message)) {
      const reason = err.cause instanceof Error ? err.cause.message.split("\n")[0] : err.message;
      throw new MedcapError("BAD_USER_INPUT", `image is corrupt or truncated: ${reason}`, err.details, { cause: err });
    }
    throw err;
  }
  const ext = storedExtension(decoded.format);
  if (!ext) throw new MedcapError("UNSUPPORTED_MEDIA", `${decoded.format} images can be searched with but not imported`);
  return { format: decoded.format, width: decoded.image.width, height: decoded.image.height, ext };
}
