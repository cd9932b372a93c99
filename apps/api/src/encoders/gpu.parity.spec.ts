// The parity check `medcap gpu parity` runs (and scripts/gpu-check.sh on a GPU machine), here on CPU with the tiny fixture model.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EncoderConfig } from "./encoder.service.js";
import { EncoderService } from "./encoder.service.js";
import { checkParity } from "./gpu.parity.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "medcap-parity-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("gpu parity (the check the GPU script runs, here on CPU)", () => {
  it("compares the configured providers with CPU and with parity.json, and reports the provider used", async () => {
    const tiny = path.resolve(import.meta.dirname, "fixtures/tiny-model");
    const config = {
      providers: ["cuda", "cpu"],
      onnxThreads: 1,
      batch: { maxSize: 8, maxWaitMs: 2, maxQueue: 64 },
      limits: { maxUploadBytes: 1 << 24, maxPixels: 40_000_000 },
      gpuDir: path.join(tmp, "gpu"),
    };
    const logger = pino({ level: "silent" });
    const loader = (c: EncoderConfig) => (providers?: string[]) => EncoderService.load(tiny, providers ? { ...c, providers } : c, logger);
    const report = await checkParity(tiny, loader(config), 0.999);
    expect(report.provider).toBe("cpu");
    expect(Object.keys(report.unavailableProviders)).toEqual(["cuda"]);
    // Every fixture image twice (single and batch) and every text once.
    const fixtures = JSON.parse(await readFile(path.join(tiny, "parity.json"), "utf8")) as { images: unknown[]; texts: unknown[] };
    expect(report.items).toHaveLength(2 * fixtures.images.length + fixtures.texts.length);
    expect(report.worstVsCpu).toBeGreaterThan(0.99999);
    expect(report.worstVsReference).toBeGreaterThanOrEqual(0.9999);
    expect(report.ok).toBe(true);
    // A bound no float can meet fails the report: the check can fail.
    expect((await checkParity(tiny, loader({ ...config, providers: ["cpu"] }), 1.0000001)).ok).toBe(false);
  }, 60_000);
});
