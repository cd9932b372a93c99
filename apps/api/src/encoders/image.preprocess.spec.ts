import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { MedcapError } from "../core/errors.js";
import {
  decodeImage,
  floatLuminance,
  ImagePreprocessor,
  MAX_ASPECT_RATIO,
  rasterLuminance,
  resizeAndCrop,
  roundHalfEven,
  shorterSideTarget,
  sniffImageFormat,
  triangleWeights,
} from "./image.preprocess.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const tinyDir = path.join(here, "fixtures", "tiny-model");
const limits = { maxUploadBytes: 5_000_000, maxPixels: 40_000_000 };
const identity = { size: 4, mean: [0, 0, 0], std: [1, 1, 1] };

async function refusal(p: Promise<unknown>): Promise<MedcapError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MedcapError);
  return err as MedcapError;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}
/** A hand-written 16-bit grayscale PNG (sharp's raw input cannot produce one). */
function png16(width: number, height: number, values: Uint16Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([16, 0, 0, 0, 0], 8);
  const rows = Buffer.alloc(height * (1 + width * 2));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows.writeUInt16BE(values[y * width + x]!, y * (1 + width * 2) + 1 + x * 2);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** A 2 KB PNG whose header claims width×height 8-bit gray pixels: a decompression ("pixel") bomb. */
function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const idat = deflateSync(Buffer.alloc(width + 1), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

const gray8 = (w: number, h: number, f: (i: number) => number) =>
  sharp(Buffer.from(Uint8Array.from({ length: w * h }, (_, i) => f(i))), { raw: { width: w, height: h, channels: 1 } }).toColourspace(
    "b-w",
  );

describe("sniffImageFormat", () => {
  it("recognises each supported container by its magic bytes", async () => {
    const png = await gray8(2, 2, () => 1)
      .png()
      .toBuffer();
    const jpeg = await gray8(2, 2, () => 1)
      .jpeg()
      .toBuffer();
    const webp = await gray8(2, 2, () => 1)
      .webp()
      .toBuffer();
    const tiff = await gray8(2, 2, () => 1)
      .tiff()
      .toBuffer();
    expect([png, jpeg, webp, tiff].map((b) => sniffImageFormat(b).format)).toEqual(["png", "jpeg", "webp", "tiff"]);
  });

  it("names what it found when the format is not supported", async () => {
    const gif = await gray8(2, 2, () => 1)
      .gif()
      .toBuffer();
    expect(sniffImageFormat(gif)).toEqual({ format: null, detected: "GIF" });
    expect(sniffImageFormat(Buffer.from("%PDF-1.7"))).toEqual({ format: null, detected: "PDF" });
    expect(sniffImageFormat(Buffer.from("hello world"))).toMatchObject({ format: null, detected: expect.stringContaining("68 65 6c 6c") });
  });
});

describe("decodeImage: bad input", () => {
  it("refuses zero bytes", async () => {
    const err = await refusal(decodeImage(new Uint8Array(0), limits));
    expect(err.code).toBe("BAD_USER_INPUT");
    expect(err.message).toMatch(/empty/);
  });

  it("refuses a wrong magic with UNSUPPORTED_MEDIA naming the detected format", async () => {
    const gif = await gray8(2, 2, () => 1)
      .gif()
      .toBuffer();
    const err = await refusal(decodeImage(gif, limits));
    expect(err.code).toBe("UNSUPPORTED_MEDIA");
    expect(err.message).toMatch(/detected GIF/);
    expect((await refusal(decodeImage(Buffer.from("just some text"), limits))).code).toBe("UNSUPPORTED_MEDIA");
  });

  it("refuses truncated and corrupt files as BAD_USER_INPUT", async () => {
    const png = await gray8(64, 64, (i) => (i * 7) % 256)
      .png()
      .toBuffer();
    const truncated = await refusal(decodeImage(png.subarray(0, png.length - 60), limits));
    expect(truncated.code).toBe("BAD_USER_INPUT");
    expect(truncated.message).toMatch(/png image \(corrupt or truncated\)/);
    const jpeg = await gray8(64, 64, (i) => (i * 7) % 256)
      .jpeg()
      .toBuffer();
    expect((await refusal(decodeImage(jpeg.subarray(0, 40), limits))).code).toBe("BAD_USER_INPUT");
    const headerOnly = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]);
    expect((await refusal(decodeImage(headerOnly, limits))).code).toBe("BAD_USER_INPUT");
  });

  it("refuses uploads above maxUploadBytes before looking at them", async () => {
    const err = await refusal(decodeImage(new Uint8Array(2000), { maxUploadBytes: 1024, maxPixels: 100 }));
    expect(err.code).toBe("BAD_USER_INPUT");
    expect(err.message).toMatch(/2000 bytes, above the limit of 1024/);
  });

  it("refuses a 20000×20000 pixel bomb from its header, without decoding it", async () => {
    const bomb = pngBomb(20_000, 20_000);
    expect(bomb.length).toBeLessThan(100_000);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const err = await refusal(decodeImage(bomb, limits));
    expect(err.code).toBe("BAD_USER_INPUT");
    expect(err.message).toMatch(/20000×20000 = 400000000 pixels, above the limit of 40000000/);
    // Decoding would need 400 MB of pixels (1.6 GB as floats); the refusal allocates nothing of the sort.
    expect(process.memoryUsage().rss - before).toBeLessThan(100_000_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("applies maxPixels to ordinary images too", async () => {
    const png = await gray8(20, 20, () => 0)
      .png()
      .toBuffer();
    expect((await refusal(decodeImage(png, { maxUploadBytes: 1e6, maxPixels: 399 }))).message).toMatch(/400 pixels/);
  });
});

describe("decodeImage: pixel values", () => {
  const pre = new ImagePreprocessor(identity, limits);

  it("scales 8-bit gray by 1/255 (no resize when the image is already S×S)", async () => {
    const png = await gray8(4, 4, (i) => i * 17)
      .png()
      .toBuffer();
    const t = await pre.preprocess(png);
    expect(t).toHaveLength(48);
    expect(Array.from(t.subarray(0, 16))).toEqual(Array.from({ length: 16 }, (_, i) => Math.fround((i * 17) / 255)));
    expect(Array.from(t.subarray(16, 32))).toEqual(Array.from(t.subarray(0, 16)));
  });

  it("keeps 16-bit gray PNGs at 16 bits and scales by 1/65535", async () => {
    const values = Uint16Array.from({ length: 16 }, (_, i) => i * 4099 + 3);
    const png = png16(4, 4, values);
    expect((await sharp(png).metadata()).depth).toBe("ushort");
    const t = await pre.preprocess(png);
    expect(Array.from(t.subarray(0, 16))).toEqual(Array.from(values, (v) => Math.fround(v / 65535)));
  });

  it("converts RGB(A) to luminance 0.299 R + 0.587 G + 0.114 B in float32, ignoring alpha", async () => {
    const rgba = Buffer.from(Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i * 16, (i * 40) % 256, i % 2 ? 0 : 255]).flat());
    const png = await sharp(rgba, { raw: { width: 4, height: 4, channels: 4 } })
      .png()
      .toBuffer();
    const t = await pre.preprocess(png);
    const f = Math.fround;
    const expected = Array.from({ length: 16 }, (_, i) =>
      f(f(f(f(f(0.299) * i * 16) + f(f(0.587) * (255 - i * 16))) + f(f(0.114) * ((i * 40) % 256))) / 255),
    );
    expect(Array.from(t.subarray(0, 16))).toEqual(expected);
  });

  it("decodes JPEG and WebP", async () => {
    for (const bytes of [
      await gray8(40, 30, (i) => i % 256)
        .jpeg()
        .toBuffer(),
      await gray8(40, 30, (i) => i % 256)
        .webp()
        .toBuffer(),
    ]) {
      const decoded = await decodeImage(bytes, limits);
      expect([decoded.image.width, decoded.image.height]).toEqual([40, 30]);
    }
  });
});

describe("resize (the toolkit's shorter-side triangle filter)", () => {
  it("rounds the longer side half to even, like Python's round()", () => {
    expect([roundHalfEven(14.5), roundHalfEven(15.5), roundHalfEven(14.4), roundHalfEven(14.6), roundHalfEven(3)]).toEqual([
      14, 16, 14, 15, 3,
    ]);
    expect(shorterSideTarget(29, 16, 8)).toEqual({ width: 14, height: 8 });
    expect(shorterSideTarget(13, 40, 8)).toEqual({ width: 8, height: 25 });
  });

  it("has normalised weights whose support widens with the downscale factor", () => {
    const w = triangleWeights(100, 10);
    for (const taps of w.taps) expect(taps.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 6);
    expect(w.taps[5]!.length).toBe(20);
    const same = triangleWeights(7, 7);
    // Scale 1: each output copies exactly its own input pixel.
    for (const [i, taps] of same.taps.entries()) {
      const start = same.start[i]!;
      expect(Array.from(taps).flatMap((w, k) => (w > 0 ? [[start + k, w]] : []))).toEqual([[i, 1]]);
    }
  });

  it("reproduces the toolkit's preprocess.py tensors on every decode branch (within 1 float32 ulp)", async () => {
    const manifest = JSON.parse(readFileSync(path.join(tinyDir, "manifest.json"), "utf8"));
    const parity = JSON.parse(readFileSync(path.join(tinyDir, "parity.json"), "utf8")) as { images: { file: string; tensor: number[] }[] };
    const toolkit = new ImagePreprocessor(manifest.image, limits);
    for (const image of parity.images) {
      const t = await toolkit.preprocess(readFileSync(path.join(tinyDir, image.file)));
      expect(t.length, image.file).toBe(image.tensor.length);
      let maxDiff = 0;
      for (const [i, v] of t.entries()) maxDiff = Math.max(maxDiff, Math.abs(v - image.tensor[i]!));
      expect(maxDiff, image.file).toBeLessThanOrEqual(5e-7);
    }
  });
});

describe("long thin images (#26 High 2)", () => {
  const strip = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .grayscale()
      .png()
      .toBuffer();

  it("refuses a 1×20000 PNG by its aspect ratio before any resize, saying the ratio and the limit", async () => {
    const bytes = await strip(1, 20_000);
    expect(bytes.length).toBeLessThan(2_000);
    const err = await refusal(new ImagePreprocessor({ size: 224, mean: [0, 0, 0], std: [1, 1, 1] }, limits).preprocess(bytes));
    expect(err.code).toBe("BAD_USER_INPUT");
    expect(err.message).toBe(`png image is 1×20000: aspect ratio 20000:1 is above the limit of ${MAX_ASPECT_RATIO}:1`);
    expect(err.details).toMatchObject({ reason: "IMAGE_ASPECT_RATIO", width: 1, height: 20_000 });
    expect((await refusal(decodeImage(await strip(20_000, 1), limits))).details.reason).toBe("IMAGE_ASPECT_RATIO");
  });

  it("accepts the limit ratio, building resize weights for the crop window only", async () => {
    const tensor = await new ImagePreprocessor({ size: 8, mean: [0, 0, 0], std: [1, 1, 1] }, limits).preprocess(
      await strip(3, 3 * MAX_ASPECT_RATIO),
    );
    expect(tensor.length).toBe(3 * 8 * 8);
    expect(Array.from(tensor).every((v) => Math.abs(v - 128 / 255) < 1e-6)).toBe(true);
    expect(() => resizeAndCrop(floatLuminance(new Float32Array(21), 1, 21), 8)).toThrow(/aspect ratio 21:1/);
  });

  it("a window of the triangle weights is the same slice of the full matrix", () => {
    const full = triangleWeights(1000, 224);
    const window = triangleWeights(1000, 224, 50, 20);
    expect(window.taps.length).toBe(20);
    for (let n = 0; n < 20; n++) {
      expect(window.start[n]).toBe(full.start[50 + n]);
      expect(Array.from(window.taps[n]!)).toEqual(Array.from(full.taps[50 + n]!));
    }
  });
});

describe("resizeAndCrop's cached plans and direct gray reads (issue #29)", () => {
  /** The resize read literally: full triangle-weight rows, float64 sums in tap order, float32 storage. */
  function reference(pixels: Float32Array, width: number, height: number, size: number): Float32Array {
    const target = shorterSideTarget(width, height, size);
    const top = Math.floor((target.height - size) / 2);
    const left = Math.floor((target.width - size) / 2);
    const hw = triangleWeights(width, target.width);
    const vw = triangleWeights(height, target.height);
    const horizontal = new Float32Array(height * size);
    for (let y = 0; y < height; y++) {
      for (let c = 0; c < size; c++) {
        const taps = hw.taps[left + c]!;
        let acc = 0;
        for (let k = 0; k < taps.length; k++) acc += taps[k]! * pixels[y * width + hw.start[left + c]! + k]!;
        horizontal[y * size + c] = acc;
      }
    }
    const out = new Float32Array(size * size);
    for (let r = 0; r < size; r++) {
      const taps = vw.taps[top + r]!;
      for (let c = 0; c < size; c++) {
        let acc = 0;
        for (let k = 0; k < taps.length; k++) acc += taps[k]! * horizontal[(vw.start[top + r]! + k) * size + c]!;
        out[r * size + c] = acc;
      }
    }
    return out;
  }

  const noise = (n: number, seed: number) => {
    let x = seed;
    return Uint8Array.from({ length: n }, () => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x >>> 24;
    });
  };

  it("gives the literal resize bit for bit, for several shapes, again from the cache, and interleaved", () => {
    const shapes = [
      [512, 512],
      [300, 200],
      [200, 300],
      [37, 700],
      [224, 224],
      [100, 60],
      [1024, 512],
    ] as const;
    for (const round of [0, 1]) {
      for (const [i, [width, height]] of shapes.entries()) {
        const samples = noise(width * height, i + 1);
        const image = rasterLuminance(samples, width, height, 1, false, false);
        const pixels = new Float32Array(width * height);
        const row = new Float32Array(width);
        for (let y = 0; y < height; y++) {
          image.readRow(y, row);
          pixels.set(row, y * width);
        }
        expect(Array.from(pixels.subarray(0, 4)), `gray look-up ${width}×${height}`).toEqual(
          Array.from(samples.subarray(0, 4), (v) => Math.fround(v / 255)),
        );
        const want = reference(pixels, width, height, 24);
        expect(Array.from(resizeAndCrop(image, 24)), `${width}×${height}, round ${round}`).toEqual(Array.from(want));
        expect(Array.from(resizeAndCrop(floatLuminance(pixels, width, height), 24))).toEqual(Array.from(want));
        // 16-bit gray takes the same direct path over its own look-up table.
        const deep = rasterLuminance(
          Uint16Array.from(samples, (v) => v * 257 + (v & 7)),
          width,
          height,
          1,
          true,
          false,
        );
        const deepPixels = new Float32Array(width * height);
        for (let y = 0; y < height; y++) {
          deep.readRow(y, row);
          deepPixels.set(row, y * width);
        }
        expect(Array.from(resizeAndCrop(deep, 24))).toEqual(Array.from(reference(deepPixels, width, height, 24)));
      }
    }
  });

  it("reads 16-bit gray and RGB through the general paths, unchanged", () => {
    const width = 5;
    const gray16 = Uint16Array.from({ length: width * 2 }, (_, i) => i * 6553);
    const row = new Float32Array(width);
    rasterLuminance(gray16, width, 2, 1, true, false).readRow(1, row);
    expect(Array.from(row)).toEqual(Array.from(gray16.subarray(width), (v) => Math.fround(v / 65535)));
    const rgb = noise(width * 3, 7);
    rasterLuminance(rgb, width, 1, 3, false, false).readRow(0, row);
    const f = Math.fround;
    const luma = (r: number, g: number, b: number) => f(f(f(f(f(0.299) * r) + f(f(0.587) * g)) + f(f(0.114) * b)) / f(255));
    expect(Array.from(row)).toEqual(Array.from({ length: width }, (_, x) => luma(rgb[3 * x]!, rgb[3 * x + 1]!, rgb[3 * x + 2]!)));
  });
});
