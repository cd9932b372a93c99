// `medcap bench --image-precision-only` (issue #29): the float32/int8 comparison runs without a database and
// reports both graphs side by side; timings are measured, never asserted.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli.run.js";

const tiny = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "encoders", "fixtures", "tiny-model");

describe("medcap bench --image-precision-only", () => {
  it("times two image graphs of the model side by side and reports ratios and their cosine", async () => {
    // the tiny model's own graph stands in for the int8 one (under the int8 session settings it computes the same)
    const r = await runCli(
      [
        "bench",
        "--image-precision-only",
        "--image-int8",
        path.join(tiny, "image_encoder.onnx"),
        "--images",
        path.join(tiny, "parity"),
        "--image-samples",
        "4",
        "--json",
      ],
      { MEDCAP_MODEL_DIR: tiny, MEDCAP_ONNX_THREADS: "1" },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { imagePrecision: Record<string, unknown> };
    expect(out.imagePrecision).toMatchObject({ images: 4, files: { float32: path.join(tiny, "image_encoder.onnx") } });
    for (const key of ["batch1MedianRatio", "batch8MedianRatio", "indexingThroughputRatio"]) {
      expect(out.imagePrecision[key], key).toBeGreaterThan(0);
    }
    expect(out.imagePrecision.cosineMin).toBeGreaterThan(0.9999);
  }, 120_000);

  it("refuses without the int8 graph or the images", async () => {
    const r = await runCli(["bench", "--image-precision-only", "--images", tiny], { MEDCAP_MODEL_DIR: tiny });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--image-precision-only needs --image-int8 and --images/);
  }, 60_000);
});
