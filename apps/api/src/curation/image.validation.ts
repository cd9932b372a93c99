// Checks on image bytes from clients: byte size first (before base64 is decoded or a stream is read
// to its end), then one decode (encoders/image.preprocess.ts: format sniffing, declared dimensions
// against the pixel budget before any pixel, the full decode that reveals truncated files, the capped
// inflate of deflated DICOM). The decoded image is returned with the facts the catalogue stores, so
// the encoder preprocesses it without decoding the same bytes again (issue #27 item 4).
import { MedcapError } from "../core/errors.js";
import { type DecodedImage, decodeImage, type ImageLimits } from "../encoders/image.preprocess.js";
import { storedExtension } from "../ingest/image.probe.js";

export type { ImageLimits } from "../encoders/image.preprocess.js";

export interface ValidatedImage {
  format: string;
  width: number;
  height: number;
  /** File extension for the image store; DICOM files are query-only and are not stored. */
  ext: string | undefined;
  /** The pixels, decoded once: hand them to the encoder with the bytes. */
  decoded: DecodedImage;
}

export function checkByteSize(byteLength: number, limits: ImageLimits): void {
  if (byteLength > limits.maxUploadBytes) {
    throw new MedcapError("BAD_USER_INPUT", `image is ${byteLength} bytes, over the ${limits.maxUploadBytes}-byte limit`, {
      limit: limits.maxUploadBytes,
    });
  }
}

/** What the catalogue records of a decoded image. */
export function describeImage(decoded: DecodedImage): ValidatedImage {
  const format = decoded.format === "dicom" && (decoded.dicom?.frames ?? 1) > 1 ? "dicom-multiframe" : decoded.format;
  return { format, width: decoded.image.width, height: decoded.image.height, ext: storedExtension(decoded.format), decoded };
}

/** Validates client image bytes (size, format, pixel budget, a full decode); throws BAD_USER_INPUT. */
export async function validateImageBytes(bytes: Uint8Array, limits: ImageLimits): Promise<ValidatedImage> {
  checkByteSize(bytes.byteLength, limits);
  try {
    return describeImage(await decodeImage(bytes, limits));
  } catch (err) {
    const d = err instanceof MedcapError ? err.details : {};
    const width = d.width ?? d.columns;
    const height = d.height ?? d.rows;
    if (err instanceof MedcapError && d.maxPixels !== undefined && width !== undefined && height !== undefined) {
      // The API's wording since #4, for rasters and DICOM alike.
      throw new MedcapError("BAD_USER_INPUT", `image is ${width}x${height}, over the ${d.maxPixels}-pixel limit`, d, { cause: err });
    }
    if (err instanceof MedcapError && err.code === "UNSUPPORTED_MEDIA") {
      throw new MedcapError("BAD_USER_INPUT", `unsupported or corrupt image: ${err.message}`, err.details, { cause: err });
    }
    throw err;
  }
}
