// medcap bench: measures encoders, vector search, indexing and the HTTP API on this machine.
import path from "node:path";
import type { Command } from "commander";
import type { EncoderService } from "../encoders/encoder.service.js";
import { BootstrapState } from "../server/bootstrap.state.js";
import { loadConfig } from "../config/config.js";
import { openAppContext } from "../app/app.context.js";
import { retrievalTestImages } from "../bench/bench.inputs.js";
import { openServedRetrieval } from "../app/served.model.composition.js";
import { benchQdrantStore, commandServices, loadEncoder } from "../app/commands.composition.js";
import { createServer } from "../app/server.composition.js";
import { createServerMetrics } from "../telemetry/server.metrics.js";
import type { BenchOptions } from "../bench/bench.service.js";
import type { StageTimes } from "../core/stage.timer.js";
import { benchExplanations } from "../bench/explain.bench.js";
import { benchQdrantBesideEmbedded } from "../bench/qdrant.bench.js";
import { MedcapError } from "../core/errors.js";
import os from "node:os";
import { readdir, readFile } from "node:fs/promises";
import { benchImagePrecision } from "../bench/image.precision.bench.js";
import { loadModelFolder } from "../encoders/model.manifest.js";
import { createLogger } from "../core/logger.js";

function table(result: Record<string, unknown>): string {
  const lines: string[] = [];
  const walk = (v: unknown, prefix: string) => {
    if (v && typeof v === "object" && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, prefix ? `${prefix}.${k}` : k);
    else lines.push(`${prefix.padEnd(64)} ${Array.isArray(v) ? v.join("; ") : String(v)}`);
  };
  walk(result, "");
  return `${lines.join("\n")}\n`;
}

interface BenchCliOptions {
  sizes: string;
  queries: string;
  requests: string;
  concurrency: string;
  imageBatches: string;
  http: boolean;
  stagesOnly?: boolean;
  textReference?: string;
  baselineModel?: string;
  json?: boolean;
  explainImages: string;
  explainOnly?: boolean;
  qdrantSizes: string;
  qdrantQueries: string;
  qdrantOnly?: boolean;
  qdrantIndexWait: string;
  qdrantIndexingThreshold?: string;
  keepQdrant?: boolean;
  qdrantPid?: string;
  imageInt8?: string;
  imageFloat32?: string;
  imagePrecisionOnly?: boolean;
  images?: string;
  imageSamples: string;
}

/** Up to `n` image files of a folder (sorted by name), for the image-graph comparison without a catalogue. */
async function imagesFromDir(dir: string, n: number): Promise<Uint8Array[]> {
  const names = (await readdir(dir)).filter((f) => /\.(png|jpe?g|dcm)$/i.test(f)).sort();
  return Promise.all(names.slice(0, n).map((f) => readFile(path.join(dir, f))));
}

export function registerBenchCommand(program: Command) {
  program
    .command("bench")
    .description("measure encode latency/throughput, vector search (1k…1M vectors), indexing and end-to-end HTTP latency on this machine")
    .option("--sizes <list>", "vector counts for the search benchmark", "1000,10000,100000,1000000")
    .option("--queries <n>", "queries per vector-search size", "30")
    .option("--requests <n>", "HTTP requests per operation and concurrency", "200")
    .option("--concurrency <list>", "HTTP concurrency levels", "1,8,32")
    .option("--no-http", "skip the end-to-end HTTP benchmark")
    .option(
      "--stages-only",
      "only the HTTP stage-by-stage breakdown (searchImages, captionImage by upload and by base64), one request at a time",
    )
    .option("--image-batches <list>", "image encoder throughput batch sizes (e.g. 8,32,256 on a GPU)", "8,32")
    .option("--text-reference <file>", "another text encoder ONNX file (e.g. the fp32 export) to measure side by side with the served one")
    .option(
      "--baseline-model <folder>",
      "also time image encoding (batch 1 end to end and ONNX only, ONNX batch 32) against this model folder, alternating (e.g. the previous default)",
    )
    .option("--explain-images <n>", "query images for the explanation latency (8×8 grid, cold then cached); 0 skips it", "5")
    .option("--explain-only", "only the explanation latency (no HTTP server, vectors or indexing)")
    .option("--json", "print one JSON object")
    .option("--qdrant-sizes <list>", "with QDRANT_URL: vector counts for Qdrant beside the embedded store", "100000,1000000")
    .option("--qdrant-queries <n>", "with QDRANT_URL: queries per size and filter", "50")
    .option("--qdrant-only", "with QDRANT_URL: only Qdrant beside the embedded store (no catalogue or model needed)")
    .option("--qdrant-index-wait <s>", "seconds to wait for Qdrant's HNSW build before measuring anyway", "600")
    .option(
      "--qdrant-indexing-threshold <kb>",
      "Qdrant indexing_threshold of the bench collections (KB of vectors; default Qdrant's 20000)",
    )
    .option("--keep-qdrant", "leave the bench collections in Qdrant and reuse them on the next run")
    .option("--qdrant-pid <pid>", "the Qdrant server's pid, for its memory (found from the URL's port when it runs here)")
    .option(
      "--image-int8 <file>",
      "a static int8 image graph of the served model, timed beside its float32 graph (batch 1, batch 8, indexing path; interleaved)",
    )
    .option("--image-float32 <file>", "with --image-int8: the float32 graph (default: the model folder's image graph)")
    .option("--image-precision-only", "with --image-int8 and --images: only that comparison (no database, catalogue or server)")
    .option("--images <dir>", "with --image-precision-only: a folder of images to encode (e.g. a dataset's images/)")
    .option("--image-samples <n>", "with --image-int8: images to sample", "64")
    .action(async (opts: BenchCliOptions) => {
      // Rate limiting would measure the limiter, not the service.
      const config = loadConfig({ ...process.env, MEDCAP_RATE_LIMIT_PER_MIN: "0" });
      const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
      // A fixed prefix, so --keep-qdrant can find the collections of an earlier run.
      const qdrant = benchQdrantStore(config);
      if (opts.qdrantOnly && !qdrant) throw new MedcapError("BAD_USER_INPUT", "--qdrant-only needs QDRANT_URL");
      const imageFiles = async () => {
        const folder = await loadModelFolder(config.modelDir);
        return {
          float32: path.resolve(opts.imageFloat32 ?? folder.imageModelPath),
          int8: path.resolve(opts.imageInt8 as string),
        };
      };
      if (opts.imagePrecisionOnly) {
        if (!opts.imageInt8 || !opts.images)
          throw new MedcapError("BAD_USER_INPUT", "--image-precision-only needs --image-int8 and --images");
        const encoder = await loadEncoder(config.modelDir, config, createLogger(config.logLevel));
        try {
          const images = await imagesFromDir(path.resolve(opts.images), Number(opts.imageSamples));
          const result = {
            machine: {
              cpu: os.cpus()[0]?.model ?? "unknown",
              cores: os.cpus().length,
              node: process.version,
              onnxThreads: config.onnxThreads,
            },
            model: `${encoder.info().name} ${encoder.info().version}`,
            imagePrecision: await benchImagePrecision(encoder, images, await imageFiles(), log),
          };
          process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : table(result));
        } finally {
          await encoder.close();
        }
        return;
      }
      const qdrantSide = () =>
        qdrant
          ? benchQdrantBesideEmbedded(qdrant, {
              sizes: opts.qdrantSizes
                .split(",")
                .map(Number)
                .filter((n) => n > 0),
              dim: 256,
              queries: Number(opts.qdrantQueries),
              keep: Boolean(opts.keepQdrant),
              maxIndexWaitSeconds: Number(opts.qdrantIndexWait),
              ...(opts.qdrantIndexingThreshold ? { indexingThresholdKb: Number(opts.qdrantIndexingThreshold) } : {}),
              qdrantPid: opts.qdrantPid ? Number(opts.qdrantPid) : undefined,
              log,
            })
          : undefined;
      if (opts.qdrantOnly) {
        // No catalogue, model or database needed: synthetic vectors in both stores.
        const started = Date.now();
        const result = {
          machine: { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, node: process.version },
          startedAt: new Date(started).toISOString(),
          qdrantBesideEmbedded: await qdrantSide(),
          seconds: Math.round((Date.now() - started) / 10) / 100,
        };
        process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : table(result));
        return;
      }
      const ctx = await openAppContext(config);
      const services = commandServices(ctx);
      let baseline: EncoderService | undefined;
      try {
        if (opts.baselineModel) baseline = await services.loadEncoder(path.resolve(opts.baselineModel));
        const imageBatches = opts.imageBatches
          .split(",")
          .map(Number)
          .filter((n) => Number.isInteger(n) && n > 0);
        const sizes = opts.sizes
          .split(",")
          .map(Number)
          .filter((n) => n > 0);
        let result: Record<string, unknown>;
        // What every full run measures; the HTTP run adds its server hooks.
        const runOptions = {
          vectorSizes: sizes,
          queries: Number(opts.queries),
          log,
          textReference: opts.textReference,
          imageBatches,
          baseline,
          explainImages: Number(opts.explainImages),
        };
        if (opts.http && !opts.explainOnly) {
          const metrics = createServerMetrics();
          const retrieval = await openServedRetrieval(ctx, { metrics, bootstrap: new BootstrapState() });
          let stageTimes: StageTimes[] = [];
          const server = await createServer({
            ctx,
            retrieval,
            metrics,
            worker: false,
            ownsContext: false,
            onClose: () => retrieval.close(),
            stageSink: (t) => stageTimes.push(t),
          });
          const { url } = await server.listen(0, "127.0.0.1");
          const { secret } = await services.apiKeys().create({ label: `bench ${new Date().toISOString()}`, role: "VIEWER" }, "cli:bench");
          const uploads = await retrievalTestImages(ctx, 32);
          const base64s = uploads.map((u) => Buffer.from(u).toString("base64"));
          const post = async (body: string | FormData, json: boolean) => {
            const res = await fetch(url, {
              method: "POST",
              headers: {
                authorization: `Bearer ${secret}`,
                "apollo-require-preflight": "true",
                ...(json ? { "content-type": "application/json" } : {}),
              },
              body,
            });
            const out = (await res.json()) as { errors?: { message: string }[] };
            if (!res.ok || out.errors?.length) throw new Error(out.errors?.[0]?.message ?? `HTTP ${res.status}`);
          };
          let distinct = 0;
          const phrases = [
            "axial CT of the liver",
            "MRI brain with a ring-enhancing lesion",
            "pulmonary embolism",
            "fracture of the femur",
            "sagittal T2 lumbar spine",
          ];
          // A second set of sessions for the stage benchmarks, so they do not share batchers with the server.
          const stages = await services.openRetrieval({ loadStore: false });
          const bench = services.bench(stages);
          try {
            const http: NonNullable<BenchOptions["http"]> = {
              takeStageTimes: () => {
                const taken = stageTimes;
                stageTimes = [];
                return taken;
              },
              requests: Number(opts.requests),
              concurrency: opts.concurrency
                .split(",")
                .map(Number)
                .filter((n) => n > 0),
              searchImages: (i) =>
                post(
                  JSON.stringify({
                    query: "query($t: String!) { searchImages(text: $t, k: 10) { score image { id } } }",
                    variables: { t: phrases[i % phrases.length] },
                  }),
                  true,
                ),
              searchImagesDistinct: (i) =>
                post(
                  JSON.stringify({
                    query: "query($t: String!) { searchImages(text: $t, k: 10) { score image { id } } }",
                    variables: { t: `${phrases[i % phrases.length]} ${distinct++}` },
                  }),
                  true,
                ),
              stagesOnly: Boolean(opts.stagesOnly),
              captionImageBase64: (i) =>
                post(
                  JSON.stringify({
                    query: "query($b: String!) { captionImage(image: { base64: $b }, k: 5) { text score captions { id } } }",
                    variables: { b: base64s[i % base64s.length] },
                  }),
                  true,
                ),
              captionImage: (i) => {
                const form = new FormData();
                form.append(
                  "operations",
                  JSON.stringify({
                    query: "query($f: Upload!) { captionImage(image: { upload: $f }, k: 5) { text score captions { id } } }",
                    variables: { f: null },
                  }),
                );
                form.append("map", JSON.stringify({ 0: ["variables.f"] }));
                form.append("0", new Blob([uploads[i % uploads.length] as Uint8Array]), "query.png");
                return post(form, false);
              },
            };
            result = opts.stagesOnly
              ? { machine: bench.machine(), http: await bench.http(http, log) }
              : await bench.run({ ...runOptions, http });
          } finally {
            await stages.close();
            await server.close();
          }
        } else {
          const rr = await services.openRetrieval({ loadStore: false });
          const bench = services.bench(rr);
          try {
            result = opts.explainOnly
              ? {
                  machine: bench.machine(),
                  explanation: await benchExplanations(ctx.db.prisma, ctx.images, rr, Number(opts.explainImages), log),
                }
              : await bench.run(runOptions);
          } finally {
            await rr.close();
          }
        }
        if (qdrant) result.qdrantBesideEmbedded = await qdrantSide();
        if (opts.imageInt8) {
          const images = await ctx.db.prisma.image.findMany({
            select: { storedPath: true },
            orderBy: { externalId: "asc" },
            take: Number(opts.imageSamples),
          });
          const encoder = await services.loadEncoder(config.modelDir);
          try {
            const bytes = await Promise.all(images.map((r) => ctx.images.read(r.storedPath)));
            result.imagePrecision = await benchImagePrecision(encoder, bytes, await imageFiles(), log);
          } finally {
            await encoder.close();
          }
        }
        process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : table(result));
      } finally {
        await baseline?.close();
        await ctx.close();
      }
    });
}
