// One image intake (issue #27 item 4): an uploaded image is decoded once per request, at the intake,
// and the encoder embeds those pixels without decoding the bytes again.
import path from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EncoderService } from "../encoders/encoder.service.js";
import { readImageInput } from "./image.input.js";

/** Every sharp pipeline opened on image bytes (not the test's own `create` images): the decoder's work. */
const opened = vi.hoisted(() => ({ count: 0 }));
vi.mock("sharp", async (importOriginal) => {
  const original = (await importOriginal<{ default: (...args: unknown[]) => unknown }>()).default;
  const counting = (...args: unknown[]) => {
    if (args[0] instanceof Uint8Array) opened.count++;
    return original(...args);
  };
  return { default: Object.assign(counting, original) };
});

const tinyDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "encoders", "fixtures", "tiny-model");
const limits = { maxUploadBytes: 1_000_000, maxPixels: 1_000_000 };

describe("image intake", () => {
  let encoder: EncoderService;
  beforeAll(async () => {
    encoder = await EncoderService.load(
      tinyDir,
      { providers: ["cpu"], onnxThreads: 1, batch: { maxSize: 8, maxWaitMs: 2, maxQueue: 64 }, limits },
      pino({ level: "silent" }),
    );
  });
  afterAll(() => encoder.close());

  it("decodes an uploaded image once between the request and its embedding, with the same result", async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 40, b: 90 } } })
      .png()
      .toBuffer();
    // The encoder alone (no intake) decodes the bytes once: that is what one decode costs in pipelines.
    opened.count = 0;
    const alone = await encoder.encodeImage(png);
    const oneDecode = opened.count;
    expect(oneDecode).toBeGreaterThan(0);
    // Intake then encoder, as a request runs them: still exactly one decode's worth, the same embedding.
    opened.count = 0;
    const query = await readImageInput({ base64: png.toString("base64") }, limits);
    expect(query.decoded?.image).toMatchObject({ width: 40, height: 30 });
    const once = await encoder.encodeImageWithInfo(query.bytes as Uint8Array, query.decoded);
    expect(opened.count).toBe(oneDecode);
    expect(Array.from(once.embedding)).toEqual(Array.from(alone));
  });

  it("batches the image encodes of concurrent requests into shared ONNX runs", async () => {
    const sizes: number[] = [];
    const batched = await EncoderService.load(
      tinyDir,
      { providers: ["cpu"], onnxThreads: 1, batch: { maxSize: 8, maxWaitMs: 1000, maxQueue: 64 }, limits },
      pino({ level: "silent" }),
      { onBatch: (kind, o) => kind === "image" && sizes.push(o.size) },
    );
    try {
      const pngs = await Promise.all(
        [30, 90, 150, 210].map((grey) =>
          sharp({ create: { width: 32, height: 32, channels: 3, background: { r: grey, g: grey, b: grey } } })
            .png()
            .toBuffer(),
        ),
      );
      sizes.length = 0;
      // Alone (nothing else decoding): one run of one image (micro.batcher.spec shows it does not wait).
      await batched.encodeImage(pngs[0] as Buffer);
      expect(sizes).toEqual([1]);
      sizes.length = 0;
      // Concurrent requests, as their intakes decode them: fewer ONNX runs than requests.
      const queries = await Promise.all(pngs.map((png) => readImageInput({ base64: png.toString("base64") }, limits)));
      await Promise.all(queries.map((q) => batched.encodeImage(q.bytes as Uint8Array, q.decoded)));
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(4);
      expect(sizes.length).toBeLessThan(4);
    } finally {
      await batched.close();
    }
  });

  it("still refuses truncated files and oversized images at the intake, before the encoder", async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#808080" } })
      .png()
      .toBuffer();
    await expect(readImageInput({ base64: png.subarray(0, png.length - 40).toString("base64") }, limits)).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
    const big = await sharp({ create: { width: 1200, height: 1000, channels: 3, background: "#000000" } })
      .png()
      .toBuffer();
    await expect(readImageInput({ base64: big.toString("base64") }, limits)).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      message: expect.stringMatching(/1200x1000, over the 1000000-pixel limit/),
    });
  });
});
