import { readFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { MedcapError } from "../core/errors.js";
import { OnnxSessionFactory } from "./onnx.session.js";

const tinyDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "tiny-model");

function capturingLogger() {
  const lines: { level: number; msg: string; provider?: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

describe("OnnxSessionFactory", () => {
  it("falls back from cuda to cpu (the npm build has no CUDA library) and warns once for both models", async () => {
    const { logger, lines } = capturingLogger();
    const factory = new OnnxSessionFactory({ providers: ["cuda", "cpu"], threads: 1, logger });
    const image = await factory.create(await readFile(path.join(tinyDir, "image_encoder.onnx")), "image_encoder.onnx");
    const text = await factory.create(path.join(tinyDir, "text_encoder.onnx"), "text_encoder.onnx");
    expect(image.provider).toBe("cpu");
    expect(text.provider).toBe("cpu");
    expect(factory.activeProvider).toBe("cpu");
    expect([...factory.failedProviders.keys()]).toEqual(["cuda"]);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ provider: "cuda" });
    const out = await image.run(
      { pixel_values: new ort.Tensor("float32", new Float32Array(2 * 3 * 64).fill(0.5), [2, 3, 8, 8]) },
      "embeddings",
    );
    expect(out.dims).toEqual([2, 16]);
    await Promise.all([image.release(), text.release()]);
  });

  it("fails with a clear error when no listed provider can load", async () => {
    const { logger } = capturingLogger();
    const factory = new OnnxSessionFactory({ providers: ["cuda", "tensorrt"], threads: 0, logger });
    const err = await factory.create(path.join(tinyDir, "image_encoder.onnx"), "image_encoder.onnx").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MedcapError);
    expect((err as MedcapError).message).toMatch(/no ONNX execution provider could load image_encoder\.onnx \(tried cuda, tensorrt\)/);
  });

  it("reports a graph that cannot load on cpu as a model problem", async () => {
    const { logger } = capturingLogger();
    const factory = new OnnxSessionFactory({ providers: ["cpu"], threads: 1, logger });
    const err = await factory.create(new TextEncoder().encode("not an onnx model"), "broken.onnx").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "MODEL_MISMATCH" });
    expect((err as Error).message).toMatch(/could not load broken\.onnx/);
  });
});
