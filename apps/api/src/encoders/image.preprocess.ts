// Image bytes → the [3, S, S] float32 tensor the image encoder was trained on.
//
// This must reproduce models/toolkit/medcap_toolkit/preprocess.py: the toolkit decodes with PIL and
// resizes with its own float32 triangle filter, so sharp is used here only to decode to raw pixels
// (its resize kernels differ and would shift every embedding). Arithmetic mirrors numpy's float32
// steps with Math.fround; only the resize sums are accumulated in float64 (numpy's sgemm order is not
// reproducible anyway), which stays within an ulp or two of the toolkit.
import sharp, { type Metadata, type OutputInfo } from "sharp";
import { MedcapError } from "../core/errors.js";
import { LruMap } from "../core/lru.map.js";
import { sharpGate } from "../core/sharp.gate.js";
import { timed, timedSync } from "../core/stage.timer.js";
import { decodeDicom, type DicomInfo } from "./dicom.decode.js";
import { prepareDicom } from "./dicom.inflate.js";

export type ImageFormat = "png" | "jpeg" | "webp" | "tiff" | "dicom";

/** Byte and pixel limits of client images: the one limits type of the API, the importer and the encoders. */
export interface ImageLimits {
  maxUploadBytes: number;
  maxPixels: number;
}

export interface ImagePreprocessSpec {
  size: number;
  mean: readonly number[];
  std: readonly number[];
}

/**
 * Luminance in [0, 1], read one row at a time so a large upload is never held as a full float image
 * (the raw 8/16-bit pixels stay the only full-size buffer).
 */
export interface LuminanceImage {
  readonly width: number;
  readonly height: number;
  readRow(y: number, out: Float32Array): void;
  /**
   * One-channel rasters (8- or 16-bit gray): the samples, row-major, and the value of each sample
   * level (readRow's look-up), so the resize can read the pixels without a row copy.
   */
  readonly gray?: { samples: Uint8Array | Uint16Array; levels: Float32Array };
}

/**
 * An image decoded once at intake (graphql/image.input.ts → curation/image.validation.ts): it travels
 * with the request to the encoder, which preprocesses it without decoding the bytes again.
 */
export interface DecodedImage {
  format: ImageFormat;
  image: LuminanceImage;
  /** Only for DICOM input, and only the non-identifying fields. */
  dicom?: DicomInfo;
}

const f32 = Math.fround;
const LUMA_R = f32(0.299);
const LUMA_G = f32(0.587);
const LUMA_B = f32(0.114);

const startsWith = (bytes: Uint8Array, sig: readonly number[], at = 0) =>
  bytes.length >= at + sig.length && sig.every((b, i) => bytes[at + i] === b);
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/** What the magic bytes say; unsupported containers are still named so the error can tell the user. */
export function sniffImageFormat(bytes: Uint8Array): { format: ImageFormat } | { format: null; detected: string } {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { format: "png" };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { format: "jpeg" };
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return { format: "webp" };
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return { format: "tiff" };
  if (startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])) return { format: "tiff" };
  if (startsWith(bytes, ascii("DICM"), 128)) return { format: "dicom" };
  const named: [readonly number[], string, number?][] = [
    [ascii("GIF8"), "GIF"],
    [ascii("BM"), "BMP"],
    [ascii("%PDF"), "PDF"],
    [[0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20], "JPEG 2000"],
    [[0xff, 0x4f, 0xff, 0x51], "JPEG 2000 codestream"],
    [ascii("ftypavif"), "AVIF", 4],
    [ascii("ftypheic"), "HEIC", 4],
    [ascii("ftypmif1"), "HEIF", 4],
    [ascii("PK"), "ZIP archive"],
    [[0x1f, 0x8b], "gzip data"],
    [ascii("<svg"), "SVG"],
    [ascii("<?xml"), "XML/SVG"],
    [[0x00, 0x00, 0x01, 0x00], "ICO"],
  ];
  for (const [sig, name, at] of named) if (startsWith(bytes, sig, at ?? 0)) return { format: null, detected: name };
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return { format: null, detected: `unknown data (first bytes ${head || "none"})` };
}

function checkPixels(width: number, height: number, limits: ImageLimits, format: string): void {
  const pixels = width * height;
  if (pixels > limits.maxPixels) {
    throw new MedcapError(
      "BAD_USER_INPUT",
      `${format} image is ${width}×${height} = ${pixels} pixels, above the limit of ${limits.maxPixels}`,
      {
        width,
        height,
        maxPixels: limits.maxPixels,
      },
    );
  }
}

export function corrupt(format: string, err: unknown): MedcapError {
  const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return new MedcapError(
    "BAD_USER_INPUT",
    `could not decode the ${format} image (corrupt or truncated): ${reason}`,
    { format },
    { cause: err },
  );
}

/**
 * Decoder warnings that mean pixel data is missing. libjpeg only *warns* when the entropy-coded data
 * ends early ("premature end of data segment") and pads the rest with grey, so a JPEG whose header
 * says 6000×6000 over 256×256 worth of data decoded without an error under any `failOn` short of
 * "warning" (which would also refuse harmless warnings such as extraneous bytes before a marker).
 */
const TRUNCATION_WARNING = /premature end|truncat|not enough (image )?data|short read/i;

/** The first warning that says pixel data was missing, if any. */
function truncationIn(warnings: readonly string[]): string | undefined {
  return warnings.find((w) => TRUNCATION_WARNING.test(w));
}

/**
 * Validates size, format and header dimensions before any pixel is decoded, then decodes to luminance.
 * The order matters: a small file can declare 20000×20000 pixels, and only the header is read for it.
 */
export async function decodeImage(bytes: Uint8Array, limits: ImageLimits): Promise<DecodedImage> {
  decodesInFlight++;
  try {
    return await decodeUncounted(bytes, limits);
  } finally {
    decodesInFlight--;
  }
}

let decodesInFlight = 0;
/** Images being decoded in this process right now: requests about to reach the image encoder's queue. */
export function imageDecodesInFlight(): number {
  return decodesInFlight;
}

async function decodeUncounted(bytes: Uint8Array, limits: ImageLimits): Promise<DecodedImage> {
  if (bytes.length === 0) throw new MedcapError("BAD_USER_INPUT", "the image is empty (0 bytes)");
  if (bytes.length > limits.maxUploadBytes) {
    throw new MedcapError("BAD_USER_INPUT", `the image is ${bytes.length} bytes, above the limit of ${limits.maxUploadBytes}`, {
      bytes: bytes.length,
      maxUploadBytes: limits.maxUploadBytes,
    });
  }
  const sniffed = sniffImageFormat(bytes);
  if (sniffed.format === null) {
    throw new MedcapError(
      "UNSUPPORTED_MEDIA",
      `unsupported image format: detected ${sniffed.detected}; expected PNG, JPEG, WebP, TIFF or DICOM`,
      { detected: sniffed.detected },
    );
  }
  if (sniffed.format === "dicom") {
    const decoded = decodeDicom(await prepareDicom(bytes, limits), limits);
    checkAspectRatio(decoded.width, decoded.height, "dicom");
    return { format: "dicom", image: floatLuminance(decoded.pixels, decoded.width, decoded.height), dicom: decoded.info };
  }
  return decodeRaster(bytes, sniffed.format, limits);
}

async function decodeRaster(bytes: Uint8Array, format: Exclude<ImageFormat, "dicom">, limits: ImageLimits): Promise<DecodedImage> {
  // metadata() reads only the header, so it runs unlimited to report the real dimensions; the decode
  // below keeps sharp's own pixel guard in case a decoder disagrees with the header we checked.
  const options = { limitInputPixels: limits.maxPixels, ignoreIcc: true, failOn: "error" as const };
  let meta: Metadata;
  try {
    meta = await sharpGate.withShared(() => sharp(bytes, { ...options, limitInputPixels: false }).metadata());
  } catch (err) {
    throw corrupt(format, err);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width < 1 || height < 1) throw corrupt(format, new Error("no image dimensions in the header"));
  checkPixels(width, height, limits, format);
  checkAspectRatio(width, height, format);

  const channels = meta.channels ?? 3;
  const gray = channels <= 2;
  const sixteen = meta.depth === "ushort";
  // Only the first page/frame is decoded, like PIL's Image.open.
  const toRaw = async (failOn: "warning" | "error") => {
    const warnings: string[] = [];
    const pipeline = sharp(bytes, { ...options, failOn, page: 0, pages: 1 });
    pipeline.on("warning", (warning: unknown) => warnings.push(String((warning as { message?: unknown })?.message ?? warning).trim()));
    const out = await pipeline
      .toColourspace(gray ? (sixteen ? "grey16" : "b-w") : sixteen ? "rgb16" : "srgb")
      .raw({ depth: sixteen ? "ushort" : "uchar" })
      .toBuffer({ resolveWithObject: true });
    return { ...out, warnings };
  };
  const refusal = (err: unknown): MedcapError =>
    err instanceof Error && /pixel limit/i.test(err.message)
      ? new MedcapError("BAD_USER_INPUT", `${format} image exceeds the limit of ${limits.maxPixels} pixels`, {
          maxPixels: limits.maxPixels,
        })
      : corrupt(format, err);
  let data: Buffer;
  let info: OutputInfo;
  try {
    // Strict: any decoder warning fails this image's own decode; overlapping decodes are fine.
    ({ data, info } = await sharpGate.withShared(() => toRaw("warning")));
  } catch (strictErr) {
    if (strictErr instanceof Error && /pixel limit/i.test(strictErr.message)) throw refusal(strictErr);
    // A warning or an error: decode again alone, so the warnings drained are this image's; refuse
    // truncation ("premature end of data segment": libjpeg pads the missing rows with grey and only
    // warns), accept harmless warnings (extraneous bytes before a marker, …).
    let lenient: Awaited<ReturnType<typeof toRaw>>;
    try {
      lenient = await sharpGate.withExclusive(() => toRaw("error"));
    } catch (err) {
      throw refusal(err);
    }
    const truncated = truncationIn(lenient.warnings);
    if (truncated) throw corrupt(format, new Error(truncated));
    ({ data, info } = lenient);
  }
  if (info.width !== width || info.height !== height) {
    throw corrupt(format, new Error(`decoded ${info.width}×${info.height}, header said ${width}×${height}`));
  }
  // A Uint16Array view needs 2-byte alignment; copy in the (unexpected) case sharp hands back an odd offset.
  const aligned = data.byteOffset % 2 === 0 ? data : Buffer.from(data);
  const samples = sixteen ? new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2) : data;
  return { format, image: rasterLuminance(samples, width, height, info.channels, sixteen, meta.hasAlpha === true) };
}

/**
 * PIL-equivalent luminance for the decoded samples. PIL (what the toolkit trained with) keeps 16 bits
 * only for single-channel images ("I;16"/"I"); 16-bit RGB(A) and gray+alpha PNGs open as 8-bit
 * "RGB"/"RGBA" holding the high byte of each sample, so the same reduction happens here (checked
 * against Pillow 9.4 to within 1 float32 ulp).
 */
export function rasterLuminance(
  samples: Uint8Array | Uint16Array,
  width: number,
  height: number,
  channels: number,
  sixteen: boolean,
  hasAlpha: boolean,
): LuminanceImage {
  const keep16 = sixteen && channels === 1 && !hasAlpha;
  const shift = sixteen && !keep16 ? 8 : 0;
  const scale = f32(keep16 ? 65535 : 255);
  const stride = width * channels;
  // Every sample value maps to one float32, so the per-pixel arithmetic is a table look-up with the
  // very same results (the weighted RGB sum keeps its float32 steps).
  const levels = keep16 ? 65536 : 256;
  if (channels === 1 && shift === 0) {
    // The common case (8- or 16-bit gray, one sample per pixel): a plain table look-up per pixel.
    const gray = levelTable(levels, (v) => f32(v / scale));
    const readRow = (y: number, out: Float32Array) => {
      const p = y * width;
      for (let x = 0; x < width; x++) out[x] = gray[samples[p + x] as number] as number;
    };
    return { width, height, readRow, gray: { samples, levels: gray } };
  }
  const readRow =
    channels <= 2
      ? (() => {
          const gray = levelTable(levels, (v) => f32(v / scale));
          return (y: number, out: Float32Array) => {
            let p = y * stride;
            for (let x = 0; x < width; x++, p += channels) out[x] = gray[(samples[p] as number) >>> shift] as number;
          };
        })()
      : (() => {
          const lr = levelTable(levels, (v) => f32(LUMA_R * v));
          const lg = levelTable(levels, (v) => f32(LUMA_G * v));
          const lb = levelTable(levels, (v) => f32(LUMA_B * v));
          return (y: number, out: Float32Array) => {
            let p = y * stride;
            for (let x = 0; x < width; x++, p += channels) {
              const r = lr[(samples[p] as number) >>> shift] as number;
              const g = lg[(samples[p + 1] as number) >>> shift] as number;
              const b = lb[(samples[p + 2] as number) >>> shift] as number;
              out[x] = f32(f32(f32(r + g) + b) / scale);
            }
          };
        })();
  return { width, height, readRow };
}

/** `fn` over the sample levels 0…n-1, computed once per distinct table and kept (at most a few 256 KB tables). */
const levelTables = new Map<string, Float32Array>();
function levelTable(n: number, fn: (v: number) => number): Float32Array {
  const key = `${n}:${fn(1)}:${fn(n - 1)}`;
  let table = levelTables.get(key);
  if (!table) {
    table = Float32Array.from({ length: n }, (_, v) => fn(v));
    levelTables.set(key, table);
  }
  return table;
}

export function floatLuminance(data: Float32Array, width: number, height: number): LuminanceImage {
  if (data.length !== width * height) throw new Error(`expected ${width * height} values, got ${data.length}`);
  return { width, height, readRow: (y, out) => out.set(data.subarray(y * width, (y + 1) * width)) };
}

/** Sparse rows of the toolkit's triangle_weights matrix: taps for output i start at `start[i]`. */
export interface ResizeWeights {
  start: Int32Array;
  taps: Float32Array[];
}

/**
 * Antialiased triangle filter: center = (i + 0.5)·scale, support = max(scale, 1), taps in
 * [floor(center − support), ceil(center + support)) clipped to the input, normalised in float64 and
 * stored as float32 exactly as the toolkit does. Only outputs [from, from + count) are built (index 0
 * is output `from`): the crop needs `size` of them, while the full resized side of a 1×20000 image is
 * 4.48 million rows, whose weights (kept in a process-wide cache) cost ~900 MB per distinct height.
 * Nothing is cached: a window costs about 2·inLen taps, far less than the pass that uses it.
 */
export function triangleWeights(inLen: number, outLen: number, from = 0, count = outLen - from): ResizeWeights {
  const scale = inLen / outLen;
  const support = Math.max(scale, 1);
  const start = new Int32Array(count);
  const taps: Float32Array[] = [];
  for (let n = 0; n < count; n++) {
    const center = (from + n + 0.5) * scale;
    const lo = Math.max(Math.floor(center - support), 0);
    const hi = Math.min(Math.ceil(center + support), inLen);
    const raw: number[] = [];
    for (let j = lo; j < hi; j++) raw.push(Math.max(0, 1 - Math.abs(j + 0.5 - center) / support));
    let total = raw.reduce((s, w) => s + w, 0);
    if (total <= 0) {
      raw.fill(1);
      total = raw.length;
    }
    start[n] = lo;
    taps.push(Float32Array.from(raw, (w) => w / total));
  }
  return { start, taps };
}

/**
 * Longest side over shortest side an image may have. The model sees the centred square of the image
 * resized to `size` on its shorter side, so a 20:1 strip already loses 95 % of itself; past that
 * the input is not a radiology image this model can caption, and the resize work grows with the ratio.
 */
export const MAX_ASPECT_RATIO = 20;

/** Refuses an image whose sides differ by more than MAX_ASPECT_RATIO (BAD_USER_INPUT, reason IMAGE_ASPECT_RATIO). */
export function checkAspectRatio(width: number, height: number, format = "the"): void {
  const ratio = Math.max(width, height) / Math.max(1, Math.min(width, height));
  if (ratio > MAX_ASPECT_RATIO) {
    const shown = ratio >= 100 ? Math.round(ratio) : Math.round(ratio * 10) / 10;
    throw new MedcapError(
      "BAD_USER_INPUT",
      `${format} image is ${width}×${height}: aspect ratio ${shown}:1 is above the limit of ${MAX_ASPECT_RATIO}:1`,
      { reason: "IMAGE_ASPECT_RATIO", width, height, maxAspectRatio: MAX_ASPECT_RATIO },
    );
  }
}

/** Python's round(): half to even. Math.round would make 14.5 → 15 where the toolkit gets 14. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function shorterSideTarget(width: number, height: number, size: number): { width: number; height: number } {
  const out =
    height <= width
      ? { height: size, width: roundHalfEven((width * size) / height) }
      : { width: size, height: roundHalfEven((height * size) / width) };
  return { width: Math.max(out.width, 1), height: Math.max(out.height, 1) };
}

/** Everything resizeAndCrop needs that depends only on the image's dimensions and the output size. */
interface ResizePlan {
  /** Horizontal taps of the crop's columns: column c reads weights[offset[c]…offset[c+1]) from input column start[c]. */
  h: FlatTaps;
  v: FlatTaps;
  /** The input rows the vertical taps read: [firstRow, lastRow). */
  firstRow: number;
  lastRow: number;
}

interface FlatTaps {
  weights: Float32Array;
  offset: Int32Array;
  start: Int32Array;
}

/**
 * Flattened triangle weights by "inLen>outLen@from+count" in an LRU (core/lru.map.ts). Uploads come in a
 * few hundred sizes (MedPix: 653, half of them 512 wide or high), and building the weights cost a
 * tenth of the resize; one axis's taps are shared by every image with that side (and the same shorter
 * side). Bounded: an entry holds count·(2·max(1, inLen/outLen) + 2) floats, at most AXIS_CACHE_SIZE
 * entries (the least recently used is dropped).
 */
const AXIS_CACHE_SIZE = 128;
const axisCache = new LruMap<string, FlatTaps>(AXIS_CACHE_SIZE);

function axisTaps(inLen: number, outLen: number, from: number, count: number): FlatTaps {
  return axisCache.getOrSet(`${inLen}>${outLen}@${from}+${count}`, () => flattenTaps(triangleWeights(inLen, outLen, from, count)));
}

function resizePlan(width: number, height: number, size: number): ResizePlan {
  const { width: outW, height: outH } = shorterSideTarget(width, height, size);
  const top = Math.floor((outH - size) / 2);
  const left = Math.floor((outW - size) / 2);
  // Weights for the crop's columns and rows only (output `left + c` is window index c).
  const v = axisTaps(height, outH, top, size);
  let lastRow = 0;
  for (let r = 0; r < size; r++)
    lastRow = Math.max(lastRow, (v.start[r] as number) + (v.offset[r + 1] as number) - (v.offset[r] as number));
  return { h: axisTaps(width, outW, left, size), v, firstRow: v.start[0] ?? 0, lastRow };
}

/** Shorter side → size (horizontal pass, then vertical), then the centred size×size crop, row-major. */
export function resizeAndCrop(image: LuminanceImage, size: number): Float32Array {
  checkAspectRatio(image.width, image.height);
  const { h, v, firstRow, lastRow } = resizePlan(image.width, image.height, size);

  // Only the crop's columns of the horizontal pass are ever used, so only those are computed; and only
  // the input rows the crop's vertical taps read (a portrait image's top and bottom never are).
  // Summation order and precision are the toolkit's: float64 sums in tap order, stored as float32.
  // (Locals, not property reads, in the loops: this pass is the largest CPU cost of a captionImage.)
  const hWeights = h.weights;
  const hOffset = h.offset;
  const hStart = h.start;
  const horizontal = new Float32Array((lastRow - firstRow) * size);
  const row = new Float32Array(image.width);
  const gray = image.gray;
  for (let y = firstRow; y < lastRow; y++) {
    const base = (y - firstRow) * size;
    if (gray) {
      // Each tap reads the sample and its level directly: the same values in the same order as below.
      const { samples, levels } = gray;
      let from = hOffset[0] as number;
      const rowStart = y * image.width;
      for (let c = 0; c < size; c++) {
        const to = hOffset[c + 1] as number;
        const s = rowStart + (hStart[c] as number) - from;
        let acc = 0;
        for (let k = from; k < to; k++) acc += (hWeights[k] as number) * (levels[samples[s + k] as number] as number);
        horizontal[base + c] = acc;
        from = to;
      }
      continue;
    }
    image.readRow(y, row);
    let from = hOffset[0] as number;
    for (let c = 0; c < size; c++) {
      const to = hOffset[c + 1] as number;
      const s = (hStart[c] as number) - from;
      let acc = 0;
      for (let k = from; k < to; k++) acc += (hWeights[k] as number) * (row[s + k] as number);
      horizontal[base + c] = acc;
      from = to;
    }
  }
  // Vertical pass row by row: each tap scales one contiguous horizontal row into the sums (the same
  // per-output order of additions as a per-pixel loop, with sequential memory access).
  const out = new Float32Array(size * size);
  const acc = new Float64Array(size);
  const vWeights = v.weights;
  for (let r = 0; r < size; r++) {
    const from = v.offset[r] as number;
    const to = v.offset[r + 1] as number;
    const s = (v.start[r] as number) - firstRow - from;
    acc.fill(0);
    for (let k = from; k < to; k++) {
      const w = vWeights[k] as number;
      const base = (s + k) * size;
      for (let c = 0; c < size; c++) acc[c] = (acc[c] as number) + w * (horizontal[base + c] as number);
    }
    out.set(acc, r * size);
  }
  return out;
}

/** The taps of every output in one array: output i reads weights[offset[i]…offset[i+1]) from input start[i]. */
function flattenTaps(w: ResizeWeights): FlatTaps {
  const offset = new Int32Array(w.taps.length + 1);
  for (let i = 0; i < w.taps.length; i++) offset[i + 1] = (offset[i] as number) + (w.taps[i]?.length ?? 0);
  const weights = new Float32Array(offset[w.taps.length] as number);
  for (let i = 0; i < w.taps.length; i++) weights.set(w.taps[i] as Float32Array, offset[i]);
  return { weights, offset, start: w.start };
}

/** [S, S] → [3, S, S]: the gray square replicated and normalised per channel, written at `offset`. */
export function normaliseToChannels(square: Float32Array, spec: ImagePreprocessSpec, out?: Float32Array, offset = 0): Float32Array {
  const plane = spec.size * spec.size;
  const target = out ?? new Float32Array(3 * plane);
  for (let ch = 0; ch < 3; ch++) {
    const m = f32(spec.mean[ch] ?? 0);
    const s = f32(spec.std[ch] ?? 1);
    const base = offset + ch * plane;
    const previous = offset + (ch - 1) * plane;
    // The usual gray-model spec repeats one mean/std: the channel is then a copy of the one before.
    if (ch > 0 && m === f32(spec.mean[ch - 1] ?? 0) && s === f32(spec.std[ch - 1] ?? 1)) {
      target.copyWithin(base, previous, previous + plane);
      continue;
    }
    for (let i = 0; i < plane; i++) target[base + i] = f32(f32(square[i]! - m) / s);
  }
  return target;
}

export function luminanceToTensor(image: LuminanceImage, spec: ImagePreprocessSpec): Float32Array {
  return normaliseToChannels(resizeAndCrop(image, spec.size), spec);
}

/** Decoding + the model's preprocessing, bound to one manifest's image spec and the upload limits. */
export class ImagePreprocessor {
  constructor(
    readonly spec: ImagePreprocessSpec,
    private readonly limits: ImageLimits,
  ) {
    if (spec.mean.length !== 3 || spec.std.length !== 3) throw new Error("image mean and std need 3 values");
  }

  /** One [3, S, S] tensor. */
  async preprocess(bytes: Uint8Array): Promise<Float32Array> {
    return (await this.preprocessWithInfo(bytes)).tensor;
  }

  /** Format checks, limits and the decode to luminance (no resizing). */
  decode(bytes: Uint8Array): Promise<DecodedImage> {
    return timed("decode", () => decodeImage(bytes, this.limits));
  }

  /** `decoded` is the image as the intake already decoded it; without it the bytes are decoded here. */
  async preprocessWithInfo(
    bytes: Uint8Array,
    decoded?: DecodedImage,
  ): Promise<{ tensor: Float32Array; format: ImageFormat; dicom?: DicomInfo }> {
    decoded ??= await this.decode(bytes);
    const tensor = this.preprocessDecoded(decoded);
    return decoded.dicom ? { tensor, format: decoded.format, dicom: decoded.dicom } : { tensor, format: decoded.format };
  }

  /** Resize, crop and normalise an already decoded image: the model-input tensor. */
  preprocessDecoded(decoded: DecodedImage): Float32Array {
    return timedSync("preprocess", () => luminanceToTensor(decoded.image, this.spec));
  }
}
