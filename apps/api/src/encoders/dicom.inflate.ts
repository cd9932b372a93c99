// Deflated DICOM (transfer syntax 1.2.840.10008.1.2.1.99) is the one input whose decoded size the
// byte limit does not bound: ~2 MB of zeros inflates to gigabytes. So inflation is capped by the
// pixel budget before it starts (one maximal frame plus header slack; zlib stops at the cap instead
// of allocating the whole output), and it runs on libuv's thread pool so the event loop keeps
// answering while a large file inflates.
import { promisify } from "node:util";
import { inflateRaw, inflateRawSync } from "node:zlib";
import dicomParser from "dicom-parser";
import { MedcapError } from "../core/errors.js";

export const DEFLATED_TRANSFER_SYNTAX = "1.2.840.10008.1.2.1.99";

/** Room for the dataset's non-pixel elements (overlays, private tags, icons) in front of the pixels. */
const HEADER_SLACK_BYTES = 1024 * 1024;
/** The widest sample decodeDicom accepts: 32-bit monochrome (8-bit RGB needs 3 bytes). */
const MAX_BYTES_PER_PIXEL = 4;

const inflateRawAsync = promisify(inflateRaw);

/** The most bytes a deflated dataset may inflate to: one maximal frame plus header slack. */
export function maxInflatedDicomBytes(maxPixels: number): number {
  return maxPixels * MAX_BYTES_PER_PIXEL + HEADER_SLACK_BYTES;
}

function tooLarge(cap: number): MedcapError {
  return new MedcapError(
    "BAD_USER_INPUT",
    `the deflated DICOM dataset inflates to more than ${cap} bytes, above what the pixel limit allows`,
    { maxInflatedBytes: cap },
  );
}

function isTooLarge(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError;
}

/** Where the (deflated) dataset starts, or undefined when the file is not deflated DICOM. */
function deflatedDatasetOffset(bytes: Uint8Array): number | undefined {
  let header: ReturnType<typeof dicomParser.readPart10Header>;
  try {
    header = dicomParser.readPart10Header(bytes);
  } catch {
    return undefined; // not Part 10, or a broken meta group: the parser reports it properly later
  }
  const ts = header.string("x00020010")?.replace(/\0/g, "").trim();
  if (ts !== DEFLATED_TRANSFER_SYNTAX) return undefined;
  return (header as unknown as { position: number }).position;
}

function joined(bytes: Uint8Array, offset: number, inflated: Uint8Array): Uint8Array {
  const full = new Uint8Array(offset + inflated.length);
  full.set(bytes.subarray(0, offset));
  full.set(inflated, offset);
  return full;
}

/** A DICOM whose dataset is already inflated (or never was deflated), ready for a synchronous parse. */
export interface PreparedDicom {
  readonly bytes: Uint8Array;
  /** True when `bytes` holds the inflated dataset of a deflated file (the transfer syntax tag is unchanged). */
  readonly inflated: boolean;
}

/** Inflates a deflated DICOM off the event loop, refusing output beyond the cap; other files pass through. */
export async function prepareDicom(bytes: Uint8Array, limits: { maxPixels: number }): Promise<PreparedDicom> {
  const offset = deflatedDatasetOffset(bytes);
  if (offset === undefined) return { bytes, inflated: false };
  const cap = maxInflatedDicomBytes(limits.maxPixels);
  let inflated: Buffer;
  try {
    inflated = await inflateRawAsync(bytes.subarray(offset), { maxOutputLength: cap });
  } catch (err) {
    if (isTooLarge(err)) throw tooLarge(cap);
    throw new MedcapError("BAD_USER_INPUT", "could not parse the DICOM file (corrupt or truncated): the deflated dataset is corrupt");
  }
  return { bytes: joined(bytes, offset, inflated), inflated: true };
}

/**
 * dicom-parser's `inflater` hook: passes a prepared file through, and otherwise inflates
 * synchronously under the same cap (callers without the async step, such as the CLI's decoders).
 */
export function cappedInflater(maxPixels: number, alreadyInflated: boolean) {
  return (arr: Uint8Array, position: number): Uint8Array => {
    if (alreadyInflated) return arr;
    const cap = maxInflatedDicomBytes(maxPixels);
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(arr.subarray(position), { maxOutputLength: cap });
    } catch (err) {
      if (isTooLarge(err)) throw tooLarge(cap);
      throw err;
    }
    return joined(arr, position, inflated);
  };
}
