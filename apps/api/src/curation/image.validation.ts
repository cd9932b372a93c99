// Checks on image bytes from clients before anything decodes them further: byte size first, then
// declared dimensions against the pixel budget, then (for raster formats) a full decode.
import dicomParser from "dicom-parser";
import { MedcapError } from "../core/errors.js";
import { cappedInflater, prepareDicom } from "../encoders/dicom.inflate.js";
import { probeImage } from "../ingest/image.probe.js";

export interface ImageLimits {
  maxUploadBytes: number;
  maxPixels: number;
}

export interface ValidatedImage {
  format: string;
  width: number;
  height: number;
  /** File extension for the image store; DICOM files are query-only and are not stored. */
  ext: string | undefined;
}

/** DICOM Part 10: a 128-byte preamble, then `DICM`. */
export function isDicom(bytes: Uint8Array): boolean {
  return bytes.byteLength > 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

export function checkByteSize(byteLength: number, limits: ImageLimits): void {
  if (byteLength > limits.maxUploadBytes) {
    throw new MedcapError("BAD_USER_INPUT", `image is ${byteLength} bytes, over the ${limits.maxUploadBytes}-byte limit`, {
      limit: limits.maxUploadBytes,
    });
  }
}

async function validateDicom(bytes: Uint8Array, limits: ImageLimits): Promise<ValidatedImage> {
  let rows: number | undefined;
  let columns: number | undefined;
  let frames = 1;
  // A deflated dataset is inflated (capped, off the event loop) before its header can be read.
  const prepared = await prepareDicom(bytes, limits);
  try {
    // Header only: pixel data is left to the encoder, which decodes exactly one frame.
    const data = dicomParser.parseDicom(prepared.bytes, {
      untilTag: "x7fe00010",
      inflater: cappedInflater(limits.maxPixels, prepared.inflated) as unknown as (arr: Uint8Array, position: number) => void,
    });
    rows = data.uint16("x00280010");
    columns = data.uint16("x00280011");
    frames = Number.parseInt(data.string("x00280008") ?? "1", 10) || 1;
  } catch {
    throw new MedcapError("BAD_USER_INPUT", "image is not a readable DICOM file");
  }
  if (!rows || !columns) throw new MedcapError("BAD_USER_INPUT", "DICOM file has no image (Rows/Columns missing)");
  if (rows * columns > limits.maxPixels) {
    throw new MedcapError("BAD_USER_INPUT", `image is ${columns}x${rows}, over the ${limits.maxPixels}-pixel limit`);
  }
  return { format: frames > 1 ? "dicom-multiframe" : "dicom", width: columns, height: rows, ext: undefined };
}

/** Validates client image bytes (size, pixel budget, decodability); throws BAD_USER_INPUT. */
export async function validateImageBytes(bytes: Uint8Array, limits: ImageLimits): Promise<ValidatedImage> {
  checkByteSize(bytes.byteLength, limits);
  if (isDicom(bytes)) return validateDicom(bytes, limits);
  try {
    const probe = await probeImage(bytes, limits.maxPixels);
    return { format: probe.format, width: probe.width, height: probe.height, ext: probe.ext };
  } catch (err) {
    if (err instanceof MedcapError && err.code === "UNSUPPORTED_MEDIA") {
      throw new MedcapError("BAD_USER_INPUT", `unsupported or corrupt image: ${err.message}`);
    }
    throw err;
  }
}
