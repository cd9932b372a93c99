// DICOM Part 10 → one grayscale frame in [0, 1] that then takes the same resize path as PNG/JPEG.
//
// Privacy: a DICOM file carries patient identity (PatientName, PatientID, BirthDate, …). Nothing here
// reads those tags, and DicomInfo holds only technical fields, so no caller can log or store them by
// accident. Errors never quote tag values either.
import dicomParser from "dicom-parser";
import { MedcapError } from "../core/errors.js";
import { cappedInflater, type PreparedDicom } from "./dicom.inflate.js";

export interface DicomInfo {
  modality: string | null;
  rows: number;
  columns: number;
  frames: number;
  /** Multi-frame input: the middle frame, floor(frames / 2), is encoded (a representative slice/phase). */
  frameIndex: number;
  transferSyntaxUid: string;
  photometricInterpretation: string;
  /** Where the VOI window came from: the file's tags, the CT soft-tissue default, or the frame's range. */
  window: { center: number; width: number; source: "tags" | "ct-default" | "min-max" } | null;
}

export interface DecodedDicom {
  width: number;
  height: number;
  /** Row-major luminance in [0, 1]. */
  pixels: Float32Array;
  info: DicomInfo;
}

export const TRANSFER_SYNTAX = {
  implicitLittle: "1.2.840.10008.1.2",
  explicitLittle: "1.2.840.10008.1.2.1",
  deflatedExplicitLittle: "1.2.840.10008.1.2.1.99",
  explicitBig: "1.2.840.10008.1.2.2",
} as const;

const UNCOMPRESSED: ReadonlySet<string> = new Set(Object.values(TRANSFER_SYNTAX));

const COMPRESSED_NAMES: [RegExp, string][] = [
  [/^1\.2\.840\.10008\.1\.2\.4\.(80|81)$/, "JPEG-LS"],
  [/^1\.2\.840\.10008\.1\.2\.4\.(90|91|92|93)$/, "JPEG 2000"],
  [/^1\.2\.840\.10008\.1\.2\.4\.(201|202|203)$/, "HTJ2K"],
  [/^1\.2\.840\.10008\.1\.2\.4\.(100|101|102|103|104|105|106)/, "MPEG video"],
  [/^1\.2\.840\.10008\.1\.2\.4\./, "JPEG"],
  [/^1\.2\.840\.10008\.1\.2\.5$/, "RLE Lossless"],
];

const CT_SOFT_TISSUE = { center: 40, width: 400 };

const bad = (message: string, details: Record<string, unknown> = {}) => new MedcapError("BAD_USER_INPUT", message, details);

function parse(input: Uint8Array | PreparedDicom, maxPixels: number) {
  const prepared = input instanceof Uint8Array ? { bytes: input, inflated: false } : input;
  try {
    return dicomParser.parseDicom(prepared.bytes, {
      // Our own inflater, capped by the pixel budget (dicom-parser's would inflate without a limit).
      inflater: cappedInflater(maxPixels, prepared.inflated) as unknown as (arr: Uint8Array, position: number) => void,
    });
  } catch (err) {
    if (err instanceof MedcapError) throw err;
    // dicom-parser throws strings, sometimes with a partial dataSet attached; keep only the reason.
    const reason = typeof err === "string" ? err : err instanceof Error ? err.message : "unreadable data";
    throw bad(`could not parse the DICOM file (corrupt or truncated): ${reason.replace(/^dicomParser\.\w+: /, "")}`);
  }
}

/** Decodes one frame; pass a PreparedDicom (see prepareDicom) to keep a deflated file's inflation off the event loop. */
export function decodeDicom(bytes: Uint8Array | PreparedDicom, limits: { maxPixels: number }): DecodedDicom {
  const ds = parse(bytes, limits.maxPixels);
  const transferSyntaxUid = (ds.string("x00020010") ?? TRANSFER_SYNTAX.implicitLittle).replace(/\0/g, "").trim();
  if (!UNCOMPRESSED.has(transferSyntaxUid)) {
    const kind = COMPRESSED_NAMES.find(([re]) => re.test(transferSyntaxUid))?.[1] ?? "unknown";
    throw new MedcapError(
      "UNSUPPORTED_MEDIA",
      `DICOM transfer syntax ${transferSyntaxUid} (${kind === "unknown" ? "not recognised" : `${kind} compressed`}) is not supported; ` +
        "send uncompressed DICOM (implicit or explicit VR little endian, explicit VR big endian) or a PNG",
      { transferSyntaxUid },
    );
  }
  const rows = ds.uint16("x00280010") ?? 0;
  const columns = ds.uint16("x00280011") ?? 0;
  if (rows < 1 || columns < 1) throw bad("the DICOM file has no Rows/Columns");
  const frames = Math.max(ds.intString("x00280008") ?? 1, 1);
  if (rows * columns > limits.maxPixels) {
    throw bad(`DICOM frame is ${columns}×${rows} pixels, above the limit of ${limits.maxPixels}`, {
      rows,
      columns,
      maxPixels: limits.maxPixels,
    });
  }
  // The header's dimensions are judged before the pixel data is looked at.
  const pixelElement = ds.elements.x7fe00010;
  if (!pixelElement) throw bad("the DICOM file has no pixel data (7FE0,0010)");
  if (pixelElement.encapsulatedPixelData) {
    throw new MedcapError(
      "UNSUPPORTED_MEDIA",
      `DICOM pixel data is encapsulated (compressed) despite transfer syntax ${transferSyntaxUid}`,
      {
        transferSyntaxUid,
      },
    );
  }
  const samplesPerPixel = ds.uint16("x00280002") ?? 1;
  const bitsAllocated = ds.uint16("x00280100") ?? 16;
  const bitsStored = ds.uint16("x00280101") ?? bitsAllocated;
  const signed = (ds.uint16("x00280103") ?? 0) === 1;
  const planar = (ds.uint16("x00280006") ?? 0) === 1;
  const photometricInterpretation = (ds.string("x00280004") ?? (samplesPerPixel === 3 ? "RGB" : "MONOCHROME2")).trim().toUpperCase();
  const modality = ds.string("x00080060")?.trim().toUpperCase() || null;

  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) {
    throw new MedcapError("UNSUPPORTED_MEDIA", `DICOM with ${bitsAllocated} bits allocated per sample is not supported`, { bitsAllocated });
  }
  const monochrome = photometricInterpretation === "MONOCHROME1" || photometricInterpretation === "MONOCHROME2";
  if (!(monochrome && samplesPerPixel === 1) && !(photometricInterpretation === "RGB" && samplesPerPixel === 3 && bitsAllocated === 8)) {
    throw new MedcapError(
      "UNSUPPORTED_MEDIA",
      `DICOM photometric interpretation ${photometricInterpretation} with ${samplesPerPixel} samples/${bitsAllocated} bits is not supported`,
      { photometricInterpretation, samplesPerPixel, bitsAllocated },
    );
  }

  const bytesPerSample = bitsAllocated / 8;
  const frameBytes = rows * columns * samplesPerPixel * bytesPerSample;
  const frameIndex = Math.floor(frames / 2);
  const start = pixelElement.dataOffset + frameIndex * frameBytes;
  const available = Math.min(pixelElement.length, ds.byteArray.length - pixelElement.dataOffset);
  if ((frameIndex + 1) * frameBytes > available) {
    throw bad(
      `the DICOM pixel data is truncated: ${frames} frame(s) of ${columns}×${rows} need ${frames * frameBytes} bytes, found ${available}`,
    );
  }
  const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + start, frameBytes);
  const littleEndian = transferSyntaxUid !== TRANSFER_SYNTAX.explicitBig;
  const pixelCount = rows * columns;
  const pixels = new Float32Array(pixelCount);

  const baseInfo = { modality, rows, columns, frames, frameIndex, transferSyntaxUid, photometricInterpretation };
  if (samplesPerPixel === 3) {
    // Colour DICOM (e.g. secondary captures): the same luminance weights as for RGB PNGs.
    const plane = pixelCount;
    for (let i = 0; i < pixelCount; i++) {
      const at = (c: number) => view.getUint8(planar ? c * plane + i : i * 3 + c);
      pixels[i] = (0.299 * at(0) + 0.587 * at(1) + 0.114 * at(2)) / 255;
    }
    return { width: columns, height: rows, pixels, info: { ...baseInfo, window: null } };
  }

  const read = sampleReader(view, bitsAllocated, bitsStored, signed, littleEndian);
  const slope = ds.floatString("x00281053") ?? 1;
  const intercept = ds.floatString("x00281052") ?? 0;
  // NaN or 1e999 here made every pixel NaN: the encoder then produced a NaN vector and captionImage
  // answered [] with 200. Refuse the file instead.
  for (const [name, value] of [
    ["RescaleSlope", slope],
    ["RescaleIntercept", intercept],
  ] as const) {
    if (!Number.isFinite(value))
      throw bad(`the DICOM ${name} (0028,105${name === "RescaleSlope" ? 3 : 2}) is ${value}, not a finite number`, {
        [name]: String(value),
      });
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < pixelCount; i++) {
    const v = Math.fround(read(i) * slope + intercept);
    if (!Number.isFinite(v)) {
      throw bad(`the DICOM rescale (slope ${slope}, intercept ${intercept}) takes pixel values beyond the float32 range`, {
        rescaleSlope: slope,
        rescaleIntercept: intercept,
      });
    }
    pixels[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }

  const tagCenter = ds.floatString("x00281050", 0);
  const tagWidth = ds.floatString("x00281051", 0);
  let window: NonNullable<DicomInfo["window"]>;
  if (tagCenter !== undefined && tagWidth !== undefined && Number.isFinite(tagCenter) && Number.isFinite(tagWidth) && tagWidth >= 1) {
    window = { center: tagCenter, width: tagWidth, source: "tags" };
  } else if (modality === "CT") {
    window = { ...CT_SOFT_TISSUE, source: "ct-default" };
  } else {
    window = { center: (min + max) / 2, width: max - min, source: "min-max" };
  }
  if (window.source === "min-max") {
    const range = max - min;
    for (let i = 0; i < pixelCount; i++) pixels[i] = range > 0 ? (pixels[i]! - min) / range : 0;
  } else {
    applyWindow(pixels, window);
  }
  if (photometricInterpretation === "MONOCHROME1") {
    for (let i = 0; i < pixelCount; i++) pixels[i] = 1 - pixels[i]!;
  }
  return { width: columns, height: rows, pixels, info: { ...baseInfo, window } };
}

function sampleReader(
  view: DataView,
  bitsAllocated: number,
  bitsStored: number,
  signed: boolean,
  littleEndian: boolean,
): (i: number) => number {
  // Bits above BitsStored may carry overlays or garbage; mask them and sign-extend from BitsStored.
  const stored = Math.min(bitsStored, bitsAllocated);
  if (bitsAllocated === 32) {
    return signed ? (i) => view.getInt32(i * 4, littleEndian) : (i) => view.getUint32(i * 4, littleEndian);
  }
  const mask = stored >= 32 ? 0xffffffff : (1 << stored) - 1;
  const signBit = 1 << (stored - 1);
  const raw = bitsAllocated === 8 ? (i: number) => view.getUint8(i) : (i: number) => view.getUint16(i * 2, littleEndian);
  if (!signed) return (i) => raw(i) & mask;
  return (i) => {
    const v = raw(i) & mask;
    return v & signBit ? v - (mask + 1) : v;
  };
}

/** DICOM PS3.3 C.11.2.1.2 linear VOI function, mapped to [0, 1] in place. */
export function applyWindow(values: Float32Array, window: { center: number; width: number }): void {
  const c = window.center - 0.5;
  // The standard requires width >= 1; width 1 is a hard threshold at the centre.
  const w = Math.max(window.width - 1, Number.EPSILON);
  const lo = c - w / 2;
  const hi = c + w / 2;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    values[i] = x <= lo ? 0 : x > hi ? 1 : (x - c) / w + 0.5;
  }
}
