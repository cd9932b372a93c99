import { existsSync, readdirSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/config.js";
import type { MedcapError } from "../core/errors.js";
import { writeSyntheticDicom } from "../../test/dicom.fixture.js";
import { type EncoderConfig, EncoderService } from "./encoder.service.js";
import { cosine } from "../core/cosine.js";
import { planTextBuckets } from "./text.buckets.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const tinyDir = path.join(here, "fixtures", "tiny-model");
// Every committed model folder with parity fixtures (v1 and v2 while both are in the tree), and the
// folder the service serves by default, which must be one of them.
const modelsRoot = path.resolve(here, "../../../../models");
const committedModels = readdirSync(modelsRoot).filter(
  (d) => existsSync(path.join(modelsRoot, d, "manifest.json")) && existsSync(path.join(modelsRoot, d, "parity.json")),
);
const defaultModelDir = loadConfig({}).modelDir;
const logger = pino({ level: "silent" });

const config = (overrides: Partial<EncoderConfig> = {}): EncoderConfig => ({
  providers: ["cuda", "cpu"],
  onnxThreads: 1,
  batch: { maxSize: 8, maxWaitMs: 5, maxQueue: 64 },
  limits: { maxUploadBytes: 20 * 1024 * 1024, maxPixels: 40_000_000 },
  ...overrides,
});

interface Parity {
  images: { file: string; embedding: number[] }[];
  texts: { text: string; inputIds: number[]; embedding: number[] }[];
}

/** Every parity fixture through both the request path and the bulk path; returns the worst cosines. */
async function checkParity(service: EncoderService, dir: string): Promise<{ image: number; text: number }> {
  const parity = JSON.parse(await readFile(path.join(dir, "parity.json"), "utf8")) as Parity;
  expect(parity.images.length).toBeGreaterThan(0);
  expect(parity.texts.length).toBeGreaterThan(0);
  const min = { image: 1, text: 1 };
  const images = await Promise.all(parity.images.map((i) => readFile(path.join(dir, i.file))));
  const single = await Promise.all(images.map((bytes) => service.encodeImage(bytes)));
  const bulk = await service.encodeImagesBatch(images);
  parity.images.forEach((fixture, i) => {
    for (const got of [single[i]!, bulk[i]!]) {
      expect(got).toHaveLength(fixture.embedding.length);
      const c = cosine(got, fixture.embedding);
      expect(c, fixture.file).toBeGreaterThanOrEqual(0.9999);
      min.image = Math.min(min.image, c);
    }
  });
  for (const fixture of parity.texts) {
    expect(service.tokenizer.encode(fixture.text), JSON.stringify(fixture.text)).toEqual(fixture.inputIds);
    // One at a time: the parity embeddings were computed without padding, batch size 1.
    const c = cosine(await service.encodeText(fixture.text), fixture.embedding);
    expect(c, fixture.text).toBeGreaterThanOrEqual(0.9999);
    min.text = Math.min(min.text, c);
  }
  return min;
}

describe("EncoderService (tiny fixture model)", () => {
  let service: EncoderService;
  const batchSizes: { kind: string; size: number }[] = [];

  beforeAll(async () => {
    service = await EncoderService.load(tinyDir, config(), logger, { onBatch: (kind, o) => batchSizes.push({ kind, size: o.size }) });
  });
  afterAll(async () => {
    await service.close();
  });

  it("asks for cuda,cpu and runs on cpu, reporting what it runs", async () => {
    const manifestSha = (await import("./model.manifest.js")).sha256(await readFile(path.join(tinyDir, "manifest.json")));
    expect(service.info()).toMatchObject({ name: "tiny-fixture", version: "0.0.1", dim: 16, provider: "cpu", manifestSha256: manifestSha });
    expect(Object.keys(service.info().unavailableProviders)).toEqual(["cuda"]);
  });

  it("reproduces the toolkit's parity embeddings for every image and text", async () => {
    const min = await checkParity(service, tinyDir);
    expect(min.image).toBeGreaterThanOrEqual(0.9999);
    expect(min.text).toBeGreaterThanOrEqual(0.9999);
  });

  it("coalesces concurrent requests into batches no larger than maxSize", async () => {
    batchSizes.length = 0;
    const texts = Array.from({ length: 20 }, (_, i) => `axial ct of the chest ${i}`);
    const vectors = await Promise.all(texts.map((t) => service.encodeText(t)));
    expect(vectors).toHaveLength(20);
    const textBatches = batchSizes.filter((b) => b.kind === "text").map((b) => b.size);
    expect(textBatches.reduce((s, n) => s + n, 0)).toBe(20);
    expect(textBatches.length).toBeLessThanOrEqual(4);
    expect(Math.max(...textBatches)).toBeLessThanOrEqual(8);
    // Padding inside a batch must not change a row: same vector alone and coalesced.
    expect(cosine(await service.encodeText(texts[3]!), vectors[3]!)).toBeGreaterThan(0.99999);
  });

  it("encodes a DICOM upload and reports only non-identifying fields", async () => {
    const bytes = writeSyntheticDicom({ rows: 16, columns: 12, modality: "CT", patientName: "Doe^John", pixel: (_f, r, c) => r * 100 + c });
    const { embedding, format, dicom } = await service.encodeImageWithInfo(bytes);
    expect(format).toBe("dicom");
    expect(embedding).toHaveLength(16);
    expect(dicom).toMatchObject({ modality: "CT", rows: 16, columns: 12 });
    expect(JSON.stringify(dicom)).not.toContain("Doe");
  });

  it("names the failing item of a bulk image batch", async () => {
    const good = await readFile(path.join(tinyDir, "parity", "gray8-29x16.png"));
    const err = await service.encodeImagesBatch([good, new Uint8Array(0)]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BAD_USER_INPUT", details: { index: 1 } });
  });

  it("prepares a bulk batch in order, decoding the next image while resizing this one, and names the first bad image in order", async () => {
    const names = ["gray8-29x16.png", "rgb-17x21.png"];
    const good = await Promise.all(names.map((n) => readFile(path.join(tinyDir, "parity", n))));
    const truncated = (good[0] as Buffer).subarray(0, (good[0] as Buffer).length - 30);
    // The truncated PNG is decoded before it fails; the empty one after it fails at once: the first in order is named.
    // Repeated: with two sharp decodes at once, the truncated file's warning could land on the good one.
    for (let round = 0; round < 8; round++) {
      const err = await service.prepareImagesBatch([good[0] as Buffer, truncated, new Uint8Array(0)], 16).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "BAD_USER_INPUT", details: { index: 17 } });
      expect((err as Error).message).toMatch(/^image 17: could not decode the png image/);
    }
    // prepare + encode is the one-call bulk path, row for row.
    const images = [...good, ...good, good[0] as Buffer];
    const twoStep = await service.encodePreparedImages(await service.prepareImagesBatch(images));
    const oneCall = await service.encodeImagesBatch(images);
    expect(twoStep.map((v) => Array.from(v))).toEqual(oneCall.map((v) => Array.from(v)));
  });

  it("answers repeated texts from its embedding cache, keyed by the text the tokenizer sees", async () => {
    const cached = await EncoderService.load(tinyDir, config({ textCacheSize: 16 }), logger);
    try {
      const first = await cached.encodeText("Sagittal T2 of the lumbar spine");
      const again = await cached.encodeText("  sagittal t2   OF THE lumbar spine");
      expect(Array.from(again)).toEqual(Array.from(first));
      expect(cosine(first, await service.encodeText("Sagittal T2 of the lumbar spine"))).toBeGreaterThan(0.99999);
      expect(cached.textCacheStats()).toMatchObject({ hits: 1, misses: 1, size: 1 });
    } finally {
      await cached.close();
    }
  });

  it("encodes texts in bulk in maxSize chunks", async () => {
    const texts = Array.from({ length: 19 }, (_, i) => "ct ".repeat(i + 1));
    const bulk = await service.encodeTextsBatch(texts);
    expect(bulk).toHaveLength(19);
    expect(cosine(bulk[18]!, await service.encodeText(texts[18]!))).toBeGreaterThan(0.99999);
  });

  it("runs another image graph of the model (the bench's float32/int8 pair) with the model's preprocessing", async () => {
    const parity = JSON.parse(await readFile(path.join(tinyDir, "parity.json"), "utf8")) as Parity;
    const bytes = await Promise.all(parity.images.map((i) => readFile(path.join(tinyDir, i.file))));
    const served = await service.encodeImagesBatch(bytes);
    for (const precision of ["float32", "int8"] as const) {
      // a float32 graph under the int8 session settings (QDQ fusion on) computes the same thing
      const other = await service.imageGraph(path.join(tinyDir, "image_encoder.onnx"), precision);
      try {
        const [viaBytes, viaTensors] = [
          await other.encode(bytes),
          await other.encodePreprocessed(await Promise.all(bytes.map((b) => service.preprocessImage(b)))),
        ];
        for (const [i, v] of served.entries()) {
          expect(cosine(v, viaBytes[i]!)).toBeGreaterThan(0.99999);
          expect(cosine(v, viaTensors[i]!)).toBeGreaterThan(0.99999);
        }
      } finally {
        await other.close();
      }
    }
    await expect(service.imageGraph(path.join(tinyDir, "text_encoder.onnx"), "float32")).rejects.toMatchObject({ code: "MODEL_MISMATCH" });
  });
});

describe("EncoderService overload and start-up checks", () => {
  const temps: string[] = [];
  afterAll(async () => {
    await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
  });
  // biome-ignore lint/suspicious/noExplicitAny: the tests deliberately write invalid manifests
  async function tinyWith(edit: (m: Record<string, any>) => void): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), "medcap-enc-"));
    temps.push(dir);
    await cp(tinyDir, dir, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"));
    edit(manifest);
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    return dir;
  }

  it("rejects with OVERLOADED beyond maxQueue instead of queueing without bound", async () => {
    const service = await EncoderService.load(tinyDir, config({ batch: { maxSize: 2, maxWaitMs: 50, maxQueue: 3 } }), logger);
    const settled = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => service.encodeText(`t ${i}`)));
    const overloaded = settled.filter((s) => s.status === "rejected" && (s.reason as MedcapError).code === "OVERLOADED");
    expect(overloaded.length).toBeGreaterThan(0);
    expect(settled.filter((s) => s.status === "fulfilled").length).toBeGreaterThan(0);
    await service.close();
    await expect(service.encodeText("after close")).rejects.toMatchObject({ code: "OVERLOADED" });
  });

  it("bounds concurrent image uploads too: decodes wait in a bounded queue", async () => {
    const service = await EncoderService.load(tinyDir, config({ batch: { maxSize: 4, maxWaitMs: 20, maxQueue: 4 } }), logger);
    const png = await readFile(path.join(tinyDir, "parity", "gray8-tall-13x40.png"));
    const settled = await Promise.allSettled(Array.from({ length: 40 }, () => service.encodeImage(png)));
    const codes = settled.map((s) => (s.status === "fulfilled" ? "ok" : (s.reason as MedcapError).code));
    expect(codes).toContain("ok");
    expect(codes).toContain("OVERLOADED");
    expect(new Set(codes)).toEqual(new Set(["ok", "OVERLOADED"]));
    // Once the burst has drained, the service accepts work again.
    await expect(service.encodeImage(png)).resolves.toHaveLength(16);
    await service.close();
  });

  it("takes the application's Config as is", async () => {
    const appConfig = loadConfig({ MEDCAP_PROVIDERS: "cuda,cpu", MEDCAP_ONNX_THREADS: "1" });
    expect(appConfig.textBuckets).toBe(true);
    expect(loadConfig({ MEDCAP_TEXT_BUCKETS: "0" }).textBuckets).toBe(false);
    const service = await EncoderService.load(tinyDir, appConfig, logger);
    expect(service.info().provider).toBe("cpu");
    expect(Object.keys(service.info().unavailableProviders)).toEqual(["cuda"]);
    await service.close();
  });

  it("runs the text session on MEDCAP_TEXT_ONNX_THREADS threads (default 1), the image session on MEDCAP_ONNX_THREADS", async () => {
    expect(loadConfig({}).textOnnxThreads).toBe(1);
    expect(loadConfig({ MEDCAP_TEXT_ONNX_THREADS: "0" }).textOnnxThreads).toBe(0);
    const created = async (overrides: Partial<EncoderConfig>) => {
      const lines: { msg?: string; model?: string; threads?: unknown }[] = [];
      const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
      const service = await EncoderService.load(tinyDir, config({ providers: ["cpu"], ...overrides }), log);
      await service.close();
      return lines.filter((l) => l.msg === "onnx session created").map((l) => [l.model, l.threads]);
    };
    const files = JSON.parse(await readFile(path.join(tinyDir, "manifest.json"), "utf8")) as {
      image: { file: string };
      text: { file: string };
    };
    expect(await created({ onnxThreads: 0, textOnnxThreads: 1 })).toEqual([
      [files.image.file, "default"],
      [files.text.file, 1],
    ]);
    // 0 (or absent) falls back to the shared setting
    expect(await created({ onnxThreads: 2, textOnnxThreads: 0 })).toEqual([
      [files.image.file, 2],
      [files.text.file, 2],
    ]);
  });

  it("refuses a model whose output dimension differs from the manifest", async () => {
    const dir = await tinyWith((m) => (m.embeddingDim = 32));
    const err = await EncoderService.load(dir, config(), logger).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "MODEL_MISMATCH" });
    expect((err as Error).message).toMatch(/expected float32 \[1, 32\]/);
  });

  it("refuses a manifest whose input names are not the graph's", async () => {
    const dir = await tinyWith((m) => (m.image.input = "pixels"));
    const err = await EncoderService.load(dir, config(), logger).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "MODEL_MISMATCH" });
    expect((err as Error).message).toMatch(/inputs \[pixel_values\].*expects inputs \[pixels\]/);
  });
});

describe("the default model", () => {
  it("is a committed folder with parity fixtures", () => {
    expect(committedModels.map((d) => path.join(modelsRoot, d))).toContain(defaultModelDir);
  });
});

describe.each(committedModels)("EncoderService with the committed model models/%s", (folder) => {
  const dir = path.join(modelsRoot, folder);
  let service: EncoderService;
  beforeAll(async () => {
    service = await EncoderService.load(dir, config({ onnxThreads: 0 }), logger);
  });
  afterAll(async () => {
    await service?.close();
  });

  it("reproduces parity.json: equal token ids and cosine >= 0.9999 for every image and text", async () => {
    const min = await checkParity(service, dir);
    const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"));
    expect(service.info()).toMatchObject({ name: manifest.name, provider: "cpu" });
    // Visible in the test output so a retrained model's margin can be read without a debugger.
    console.info(`${folder} parity: min image cosine ${min.image.toFixed(7)}, min text cosine ${min.text.toFixed(7)}`);
  });

  it("gives every text of a mixed-length batch its embedding alone, in the caller's order, through length buckets", async () => {
    const long = "axial contrast enhanced ct of the abdomen shows a large heterogeneous mass arising from the left kidney ";
    const texts = [
      "chest x-ray",
      long.repeat(6),
      "t2 mri of the brain",
      "sagittal t1 of the lumbar spine with a compression fracture of l1",
      "ct head",
      long.repeat(2),
      "ultrasound of the gallbladder with stones",
      "axial flair",
      "coronal ct of the sinuses",
      long,
      "pet",
      "mra of the circle of willis showing an aneurysm of the anterior communicating artery",
    ];
    const lengths = texts.map((t) => service.tokenizer.encode(t).length);
    // The batch really is split: more runs than the 2 maxSize (8) chunks it would take unplanned.
    expect(planTextBuckets(lengths, 8).length).toBeGreaterThan(2);
    const alone = await Promise.all(texts.map((t) => service.encodeTextsBatch([t])));
    const unplanned = await EncoderService.load(dir, config({ onnxThreads: 0, textBuckets: false }), logger);
    const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"));
    const reference = await service.textReference(path.join(dir, manifest.text.file));
    try {
      for (const batch of [await service.encodeTextsBatch(texts), await unplanned.encodeTextsBatch(texts), await reference.encode(texts)]) {
        expect(batch).toHaveLength(texts.length);
        for (const [i, vector] of batch.entries()) expect(cosine(vector, alone[i]![0]!), texts[i]).toBeGreaterThanOrEqual(0.99999);
      }
    } finally {
      await Promise.all([unplanned.close(), reference.close()]);
    }
  });
});
