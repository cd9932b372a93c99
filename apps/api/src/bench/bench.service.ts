// `medcap bench`: measured speed of each stage on this machine, with the machine described.
import os from "node:os";
import type { PrismaClient } from "@medcap/db";
import type { EncoderService } from "../encoders/encoder.service.js";
import type { ImageStore } from "../core/image.store.js";
import type { Retrieval } from "../search/retrieval.js";
import { EmbeddedVectorStore } from "../vectors/embedded.store.js";
import { randomUnitMatrix, randomUnitVector } from "../vectors/synthetic.vectors.js";
import type { VectorStore } from "../vectors/vector.store.js";
import { STAGES, type StageTimes } from "../core/stage.timer.js";
import { benchExplanations } from "./explain.bench.js";
import { syntheticPoints } from "./bench.inputs.js";
import { load, median, percentile, summarize, time } from "./latency.stats.js";
import { seededRandom } from "../core/seeded.random.js";
import { cosine } from "../core/cosine.js";
import { runBatchPipeline } from "../core/batch.pipeline.js";

export interface BenchOptions {
  /** Vector counts for the store benchmark. */
  vectorSizes: number[];
  queries: number;
  qdrant?: VectorStore;
  /** A second text graph (e.g. the fp32 original) measured side by side with the served one. */
  textReference?: string;
  /** Image encoder throughput batch sizes (default 8 and 32; a GPU run adds 256). */
  imageBatches?: number[];
  /** End-to-end HTTP: a function that runs one GraphQL operation against a live server. */
  http?: {
    searchImages: (i: number) => Promise<void>;
    /** searchImages with a text no request used before: every request misses the embedding cache. */
    searchImagesDistinct: (i: number) => Promise<void>;
    /** captionImage with a multipart upload. */
    captionImage: (i: number) => Promise<void>;
    /** captionImage with the image as base64 in the JSON body. */
    captionImageBase64: (i: number) => Promise<void>;
    concurrency: number[];
    /** Only the stage-by-stage breakdown (no load at each concurrency). */
    stagesOnly?: boolean;
    requests: number;
    /** Stage timings of the requests since the last call (the server's stage sink). */
    takeStageTimes: () => StageTimes[];
  };
  log: (message: string) => void;
  /** Query images for the explanation latency (8×8 grid, cold and cached); 0 = skip. */
  explainImages?: number;
  /** Another model's encoders (e.g. the previous default) to time image encoding against, interleaved. */
  baseline?: EncoderService;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** The embedded store's scan before #14 (a scalar loop with a sorted top-k array), kept to compare against. */
function legacyScalarScan(data: Float32Array, size: number, dim: number, q: Float32Array, k: number): number[] {
  const best: { score: number; slot: number }[] = [];
  for (let s = 0; s < size; s++) {
    let dot = 0;
    const off = s * dim;
    for (let i = 0; i < dim; i++) dot += (q[i] as number) * (data[off + i] as number);
    if (best.length < k) {
      best.push({ score: dot, slot: s });
      best.sort((a, b) => b.score - a.score);
    } else if (dot > (best[best.length - 1] as { score: number }).score) {
      best[best.length - 1] = { score: dot, slot: s };
      best.sort((a, b) => b.score - a.score);
    }
  }
  return best.map((b) => b.slot);
}

const heapBytes = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

export class BenchService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly images: ImageStore,
    private readonly retrieval: Retrieval,
  ) {}

  machine() {
    const cpus = os.cpus();
    const info = this.retrieval.encoder.info();
    return {
      cpu: cpus[0]?.model ?? "unknown",
      cores: cpus.length,
      memoryGiB: r2(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      provider: info.provider,
      model: `${info.name} ${this.retrieval.model.version} (${info.dim}-d)`,
    };
  }

  private async sampleImages(n: number): Promise<Uint8Array[]> {
    const rows = await this.prisma.image.findMany({ select: { storedPath: true }, orderBy: { externalId: "asc" }, take: n });
    return Promise.all(rows.map((r) => this.images.read(r.storedPath)));
  }

  private async sampleTexts(n: number): Promise<string[]> {
    const rows = await this.prisma.caption.findMany({
      where: { isCurrent: true },
      select: { text: true },
      orderBy: { id: "asc" },
      take: n,
    });
    return rows.map((r) => r.text);
  }

  async imageEncoding(log: (m: string) => void, batchSizes: readonly number[] = [8, 32]) {
    const enc = this.retrieval.encoder;
    const images = await this.sampleImages(Math.max(256, 2 * Math.max(...batchSizes)));
    if (!images.length) throw new Error("no images in the catalogue; import a dataset first");
    log("image encoder: batch 1 latency");
    const full1 = summarize(await time(40, (i) => enc.encodeImagesBatch([images[i % images.length] as Uint8Array])));
    const tensors = await Promise.all(images.slice(0, 32).map((b) => enc.preprocessImage(b)));
    const pre1 = summarize(await time(40, (i) => enc.preprocessImage(images[i % images.length] as Uint8Array)));
    const onnx1 = summarize(await time(40, (i) => enc.encodePreprocessedImages([tensors[i % tensors.length] as Float32Array])));
    const throughput: Record<string, { imagesPerSecond: number; onnxOnlyImagesPerSecond: number }> = {};
    // Batches wrap around the samples, so a batch larger than the catalogue still has b images.
    const cycle = <T>(items: readonly T[], start: number, n: number) =>
      Array.from({ length: n }, (_, k) => items[(start + k) % items.length] as T);
    for (const b of batchSizes) {
      log(`image encoder: batch ${b} throughput`);
      const batches = Math.max(3, Math.floor(192 / b));
      const full = await time(batches, (i) => enc.encodeImagesBatch(cycle(images, i * b, b)), 1);
      const onnx = await time(batches, () => enc.encodePreprocessedImages(cycle(tensors, 0, b)), 1);
      const rate = (ms: number[]) => r2((b * ms.length) / (ms.reduce((a, x) => a + x, 0) / 1000));
      throughput[`batch${b}`] = { imagesPerSecond: rate(full), onnxOnlyImagesPerSecond: rate(onnx) };
    }
    return { batch1: { endToEndMs: full1, decodePreprocessMs: pre1, onnxOnlyMs: onnx1 }, throughput };
  }

  /**
   * Batch-1 image encoding (end to end and ONNX only) and ONNX batch 32 of this model against a baseline
   * model on the same images, alternating the two call by call so that load from other processes hits
   * both alike.
   */
  async imageEncodingVsBaseline(baseline: EncoderService, log: (m: string) => void) {
    const current = this.retrieval.encoder;
    const images = await this.sampleImages(64);
    if (!images.length) throw new Error("no images in the catalogue; import a dataset first");
    log(`image encoder vs baseline ${baseline.info().name}: batch 1 latency`);
    const n = 40;
    const pick = (i: number) => images[i % images.length] as Uint8Array;
    const endToEnd = { current: [] as number[], baseline: [] as number[] };
    const onnx = { current: [] as number[], baseline: [] as number[] };
    const tensors = {
      current: await Promise.all(images.slice(0, 16).map((b) => current.preprocessImage(b))),
      baseline: await Promise.all(images.slice(0, 16).map((b) => baseline.preprocessImage(b))),
    };
    for (const enc of [current, baseline]) await enc.encodeImagesBatch([pick(0)]); // warm-up
    for (let i = 0; i < n; i++) {
      for (const [name, enc] of [
        ["current", current],
        ["baseline", baseline],
      ] as const) {
        endToEnd[name].push(...(await time(1, () => enc.encodeImagesBatch([pick(i)]), 0)));
        const t = tensors[name][i % tensors[name].length] as Float32Array;
        onnx[name].push(...(await time(1, () => enc.encodePreprocessedImages([t]), 0)));
      }
    }
    // Batch 32 (ONNX only, the same 32 preprocessed images for both), alternating as above.
    const batch = { current: [] as number[], baseline: [] as number[] };
    const batchOf = async (enc: EncoderService) => Promise.all(Array.from({ length: 32 }, (_, i) => enc.preprocessImage(pick(i))));
    const batches = { current: await batchOf(current), baseline: await batchOf(baseline) };
    for (let i = 0; i < 20; i++) {
      for (const [name, enc] of [
        ["current", current],
        ["baseline", baseline],
      ] as const) {
        batch[name].push(...(await time(1, () => enc.encodePreprocessedImages(batches[name]), 0)));
      }
    }
    const e = { current: summarize(endToEnd.current), baseline: summarize(endToEnd.baseline) };
    const o = { current: summarize(onnx.current), baseline: summarize(onnx.baseline) };
    const b32 = { current: summarize(batch.current), baseline: summarize(batch.baseline) };
    const info = (enc: EncoderService) => `${enc.info().name} ${enc.info().version}`;
    return {
      current: info(current),
      baseline: info(baseline),
      endToEndMs: e,
      onnxOnlyMs: o,
      endToEndP50Ratio: r2(e.current.p50 / e.baseline.p50),
      onnxOnlyP50Ratio: r2(o.current.p50 / o.baseline.p50),
      onnxBatch32Ms: b32,
      onnxBatch32P50Ratio: r2(b32.current.p50 / b32.baseline.p50),
    };
  }

  async textEncoding(log: (m: string) => void, referenceFile?: string) {
    const enc = this.retrieval.encoder;
    const texts = await this.sampleTexts(256);
    const b = 32;
    const batchOf = (i: number) => texts.slice((i * b) % (texts.length - b), ((i * b) % (texts.length - b)) + b);
    const rate = (ms: number[]) => r2((b * ms.length) / (ms.reduce((a, x) => a + x, 0) / 1000));
    log("text encoder: batch 1 latency");
    const one = summarize(await time(60, (i) => enc.encodeTextsBatch([texts[i % texts.length] as string])));
    log("text encoder: batch 32 throughput");
    const ms = await time(6, (i) => enc.encodeTextsBatch(batchOf(i)), 1);
    log("text encoder: request path, a repeated text (embedding cache hit)");
    const cached = summarize(await time(200, () => enc.encodeText(texts[0] as string)));
    const out: Record<string, unknown> = { batch1Ms: one, batch32TextsPerSecond: rate(ms), cacheHitMs: cached };
    if (referenceFile) out.reference = await this.textReference(referenceFile, texts, log);
    return out;
  }

  /** The served text graph and another one, interleaved run by run so both see the same machine load. */
  private async textReference(file: string, texts: string[], log: (m: string) => void) {
    const enc = this.retrieval.encoder;
    const ref = await enc.textReference(file);
    try {
      const b = 32;
      const batchOf = (i: number) => texts.slice((i * b) % (texts.length - b), ((i * b) % (texts.length - b)) + b);
      const served = { one: [] as number[], batch: [] as number[] };
      const other = { one: [] as number[], batch: [] as number[] };
      const clock = async (fn: () => Promise<unknown>) => {
        const t0 = performance.now();
        await fn();
        return performance.now() - t0;
      };
      log(`text encoder vs ${file}: batch 1, interleaved`);
      for (let i = 0; i < 64; i++) {
        const t = [texts[i % texts.length] as string];
        const first = i % 2 ? ref.encode : (x: string[]) => enc.encodeTextsBatch(x);
        const second = i % 2 ? (x: string[]) => enc.encodeTextsBatch(x) : ref.encode;
        const a = await clock(() => first(t));
        const c = await clock(() => second(t));
        if (i < 4) continue; // warm-up
        (i % 2 ? other : served).one.push(a);
        (i % 2 ? served : other).one.push(c);
      }
      log(`text encoder vs ${file}: batch 32, interleaved`);
      for (let i = 0; i < 10; i++) {
        const t = batchOf(i);
        served.batch.push(await clock(() => enc.encodeTextsBatch(t)));
        other.batch.push(await clock(() => ref.encode(t)));
      }
      let min = 1;
      let sum = 0;
      for (let i = 0; i < texts.length; i += b) {
        const chunk = texts.slice(i, i + b);
        const [x, y] = [await enc.encodeTextsBatch(chunk), await ref.encode(chunk)];
        for (let j = 0; j < chunk.length; j++) {
          const c = cosine(x[j] as Float32Array, y[j] as Float32Array);
          min = Math.min(min, c);
          sum += c;
        }
      }
      const rate = (ms: number[]) => (b * ms.length) / (ms.reduce((a, x) => a + x, 0) / 1000);
      const p50 = (xs: number[]) =>
        percentile(
          [...xs].sort((p, q) => p - q),
          0.5,
        );
      return {
        file,
        servedBatch1Ms: summarize(served.one),
        referenceBatch1Ms: summarize(other.one),
        batch1P50Ratio: Math.round((p50(served.one) / p50(other.one)) * 1000) / 1000,
        servedBatch32TextsPerSecond: r2(rate(served.batch)),
        referenceBatch32TextsPerSecond: r2(rate(other.batch)),
        batch32ThroughputRatio: Math.round((rate(served.batch) / rate(other.batch)) * 1000) / 1000,
        cosineMin: Math.round(min * 1e6) / 1e6,
        cosineMean: Math.round((sum / texts.length) * 1e6) / 1e6,
        texts: texts.length,
        note: "ratios are served ÷ reference; runs alternate between the two graphs",
      };
    } finally {
      await ref.close();
    }
  }

  async vectorSearch(sizes: number[], queries: number, log: (m: string) => void, qdrant?: VectorStore) {
    const dim = this.retrieval.encoder.dim;
    const out: Record<string, Record<string, unknown>> = {};
    for (const size of sizes) {
      log(`vector search: ${size.toLocaleString("en")} vectors`);
      const matrix = randomUnitMatrix(dim, size);
      const before = heapBytes();
      const store = new EmbeddedVectorStore();
      await store.ensureCollection("bench", dim);
      for (let from = 0; from < size; from += 50_000)
        await store.upsert("bench", syntheticPoints(matrix, dim, from, Math.min(50_000, size - from)));
      const storeBytes = heapBytes() - before;
      const qs = Array.from({ length: queries }, (_, i) => randomUnitVector(seededRandom(1e9 + i), dim));
      // The memory-bound floor: one pass over the same matrix, copying it.
      const copy = new Float32Array(matrix.length);
      const floor = summarize(await time(Math.max(5, Math.min(queries, 15)), async () => copy.set(matrix), 1));
      const exact: string[][] = [];
      const plain = summarize(
        await time(
          qs.length,
          async (i) => {
            const hits = await store.search("bench", qs[i] as Float32Array, { kind: "IMAGE", k: 10 });
            exact[i] = hits.map((h) => h.payload.targetId);
          },
          1,
        ),
      );
      const filtered = summarize(
        await time(
          qs.length,
          (i) => store.search("bench", qs[i] as Float32Array, { kind: "IMAGE", k: 10, filter: { modalities: ["MR"], splits: ["TRAIN"] } }),
          1,
        ),
      );
      const legacyRuns = Math.min(qs.length, size >= 1_000_000 ? 5 : 10);
      const legacy = summarize(await time(legacyRuns, async (i) => legacyScalarScan(matrix, size, dim, qs[i] as Float32Array, 10), 1));
      const entry: Record<string, unknown> = {
        exactMs: plain,
        exactFilteredMs: filtered,
        copyFloorMs: floor,
        exactOverCopyFloor: r2(plain.p50 / floor.p50),
        legacyScalarJsMs: legacy,
        legacyOverCopyFloor: r2(legacy.p50 / floor.p50),
        storeBytesPerVector: Math.round(storeBytes / size),
        matrixBytesPerVector: dim * 4,
      };
      if (qdrant) {
        await qdrant.ensureCollection(`bench-${size}`, dim);
        for (let from = 0; from < size; from += 5000)
          await qdrant.upsert(`bench-${size}`, syntheticPoints(matrix, dim, from, Math.min(5000, size - from)));
        let found = 0;
        const q = await time(
          qs.length,
          async (i) => {
            const hits = await qdrant.search(`bench-${size}`, qs[i] as Float32Array, { kind: "IMAGE", k: 10 });
            const truth = new Set(exact[i]);
            found += hits.filter((h) => truth.has(h.payload.targetId)).length;
          },
          0,
        );
        entry.qdrant = summarize(q);
        entry.qdrantRecallAt10 = r2(found / (10 * qs.length));
        await qdrant.dropCollection(`bench-${size}`);
      }
      out[String(size)] = entry;
      await store.close();
    }
    return out;
  }

  /**
   * The encode path of `medcap index` over the same 512 catalogue images, batches of 32, twice each way
   * (sequential, pipelined, pipelined, sequential): one batch after the other as before issue #29, and
   * through runBatchPipeline as the indexer runs now (batch k+1 read, decoded and preprocessed while
   * batch k is in ONNX). No Postgres writes in either.
   */
  async indexing(log: (m: string) => void) {
    log("indexing throughput: read + decode + preprocess + ONNX over catalogue images, batches of 32, sequential vs pipelined");
    const rows = await this.prisma.image.findMany({ select: { storedPath: true }, orderBy: { externalId: "asc" }, take: 512 });
    const enc = this.retrieval.encoder;
    const batches = Array.from({ length: Math.ceil(rows.length / 32) }, (_, i) => rows.slice(i * 32, i * 32 + 32));
    const read = (batch: { storedPath: string }[]) => Promise.all(batch.map((r) => this.images.read(r.storedPath)));
    const runs = {
      sequential: async () => {
        for (const batch of batches) await enc.encodeImagesBatch(await read(batch));
      },
      pipelined: async () => {
        let next = 0;
        await runBatchPipeline({
          next: async () => batches[next++] ?? null,
          prepare: async (batch) => enc.prepareImagesBatch(await read(batch)),
          encode: (tensors) => enc.encodePreparedImages(tensors),
          write: async () => {},
        });
      },
    };
    const seconds = { sequential: 0, pipelined: 0 };
    for (const mode of ["sequential", "pipelined", "pipelined", "sequential"] as const) {
      const t0 = performance.now();
      await runs[mode]();
      seconds[mode] += (performance.now() - t0) / 1000;
    }
    const perSecond = (s: number) => (2 * rows.length) / s;
    return {
      images: rows.length,
      seconds: r2(seconds.pipelined / 2),
      imagesPerSecond: r2(perSecond(seconds.pipelined)),
      sequentialImagesPerSecond: r2(perSecond(seconds.sequential)),
      pipelineSpeedup: r2(seconds.sequential / seconds.pipelined),
      note: "encode path of `medcap index` (pipelined) beside the one-batch-at-a-time loop; excludes the Postgres writes",
    };
  }

  async http(opts: NonNullable<BenchOptions["http"]>, log: (m: string) => void) {
    const out: Record<string, Record<string, unknown>> = {};
    const ops = [
      ["searchImages", opts.searchImages],
      ["searchImagesDistinct", opts.searchImagesDistinct],
      ["captionImage", opts.captionImage],
      ["captionImageBase64", opts.captionImageBase64],
    ] as const;
    /** The root field each measured operation calls (the server's operation label names it). */
    const rootField = (name: string) => name.replace(/Distinct$|Base64$/, "");
    for (const [name, fn] of opts.stagesOnly ? [] : ops) {
      out[name] = {};
      for (const c of opts.concurrency) {
        log(`HTTP ${name}: concurrency ${c}`);
        await load(Math.min(8, opts.requests), Math.min(c, 4), fn); // warm-up
        const r = await load(opts.requests, c, fn);
        (out[name] as Record<string, unknown>)[`concurrency${c}`] = {
          ...summarize(r.latencies),
          requestsPerSecond: r2(r.latencies.length / r.seconds),
          errors: r.errors,
          ...(r.errorSamples.length ? { errorSamples: r.errorSamples } : {}),
        };
      }
    }
    // One request at a time, so each stage's time is the request's own (no queueing behind others).
    for (const [name, fn] of ops) {
      log(`HTTP ${name}: stage breakdown`);
      await load(4, 1, fn);
      opts.takeStageTimes();
      const r = await load(30, 1, fn);
      const times = opts.takeStageTimes().filter((t) => t.operation?.includes(rootField(name)));
      const medianMs = (xs: number[]) => r2(median(xs));
      const stages: Record<string, number> = {};
      for (const stage of STAGES) stages[stage] = medianMs(times.map((t) => t.ms[stage] ?? 0));
      stages.serverTotal = medianMs(times.map((t) => t.totalMs));
      stages.clientRoundTrip = medianMs(r.latencies);
      out[name] ??= {};
      (out[name] as Record<string, unknown>).stagesMedianMs = stages;
    }
    return out;
  }

  async run(options: BenchOptions) {
    const started = Date.now();
    const result: Record<string, unknown> = { machine: this.machine(), startedAt: new Date(started).toISOString() };
    result.imageEncoding = await this.imageEncoding(options.log, options.imageBatches);
    if (options.baseline) result.imageEncodingVsBaseline = await this.imageEncodingVsBaseline(options.baseline, options.log);
    result.textEncoding = await this.textEncoding(options.log, options.textReference);
    result.vectorSearch = await this.vectorSearch(options.vectorSizes, options.queries, options.log, options.qdrant);
    result.indexing = await this.indexing(options.log);
    if (options.explainImages !== 0) {
      result.explanation = await benchExplanations(this.prisma, this.images, this.retrieval, options.explainImages ?? 5, options.log);
    }
    if (options.http) result.http = await this.http(options.http, options.log);
    result.seconds = r2((Date.now() - started) / 1000);
    return result;
  }
}
