// medcap bench: measures encoders, vector search, indexing and the HTTP API on this machine.
import path from "node:path";
import { BootstrapState } from "../server/bootstrap.state.js";
import type { Command } from "commander";
import { ApiKeyService } from "../auth/api-key.service.js";
import { BenchService } from "../bench/bench.service.js";
import { loadConfig } from "../config/config.js";
import { openAppContext } from "../core/app.context.js";
import { retrievalTestImage } from "../bench/bench.inputs.js";
import { makeServerRetrieval } from "../search/retrieval.server.js";
import { EncoderService } from "../encoders/encoder.service.js";
import { openRetrieval } from "../search/retrieval.context.js";
import { createServer } from "../server/server.factory.js";
import { createServerMetrics } from "../server/server.metrics.js";
import { QdrantVectorStore } from "../vectors/qdrant.store.js";

function table(result: Record<string, unknown>): string {
  const lines: string[] = [];
  const walk = (v: unknown, prefix: string) => {
    if (v && typeof v === "object" && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, prefix ? `${prefix}.${k}` : k);
    else lines.push(`${prefix.padEnd(64)} ${Array.isArray(v) ? v.join("; ") : String(v)}`);
  };
  walk(result, "");
  return `${lines.join("\n")}\n`;
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
    .option("--baseline-model <folder>", "also time batch-1 image encoding against this model folder (e.g. the previous default)")
    .option("--json", "print one JSON object")
    .action(
      async (opts: {
        sizes: string;
        queries: string;
        requests: string;
        concurrency: string;
        http: boolean;
        baselineModel?: string;
        json?: boolean;
      }) => {
        // Rate limiting would measure the limiter, not the service.
        const config = loadConfig({ ...process.env, MEDCAP_RATE_LIMIT_PER_MIN: "0" });
        const ctx = await openAppContext(config);
        const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
        let baseline: EncoderService | undefined;
        try {
          if (opts.baselineModel) baseline = await EncoderService.load(path.resolve(opts.baselineModel), config, ctx.logger);
          const sizes = opts.sizes
            .split(",")
            .map(Number)
            .filter((n) => n > 0);
          const qdrant = config.qdrant.url
            ? new QdrantVectorStore(config.qdrant.url, config.qdrant.apiKey, `medcap_bench_${Date.now()}`)
            : undefined;
          let result: Record<string, unknown>;
          if (opts.http) {
            const metrics = createServerMetrics();
            const retrieval = await makeServerRetrieval(ctx, { metrics, bootstrap: new BootstrapState() });
            const server = await createServer({
              ctx,
              retrieval,
              metrics,
              worker: false,
              ownsContext: false,
              onClose: () => retrieval.close(),
            });
            const { url } = await server.listen(0, "127.0.0.1");
            const { secret } = await new ApiKeyService(ctx.db.prisma).create(
              { label: `bench ${new Date().toISOString()}`, role: "VIEWER" },
              "cli:bench",
            );
            const upload = await retrievalTestImage(ctx);
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
            const phrases = [
              "axial CT of the liver",
              "MRI brain with a ring-enhancing lesion",
              "pulmonary embolism",
              "fracture of the femur",
              "sagittal T2 lumbar spine",
            ];
            // A second set of sessions for the stage benchmarks, so they do not share batchers with the server.
            const stages = await openRetrieval(ctx, { loadStore: false });
            const bench = new BenchService(ctx.db.prisma, ctx.images, stages);
            try {
              result = await bench.run({
                vectorSizes: sizes,
                queries: Number(opts.queries),
                qdrant,
                log,
                baseline,
                http: {
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
                  captionImage: (_i) => {
                    const form = new FormData();
                    form.append(
                      "operations",
                      JSON.stringify({
                        query: "query($f: Upload!) { captionImage(image: { upload: $f }, k: 5) { text score } }",
                        variables: { f: null },
                      }),
                    );
                    form.append("map", JSON.stringify({ 0: ["variables.f"] }));
                    form.append("0", new Blob([upload]), "query.png");
                    return post(form, false);
                  },
                },
              });
            } finally {
              await stages.close();
              await server.close();
            }
          } else {
            const rr = await openRetrieval(ctx, { loadStore: false });
            try {
              result = await new BenchService(ctx.db.prisma, ctx.images, rr).run({
                vectorSizes: sizes,
                queries: Number(opts.queries),
                qdrant,
                log,
                baseline,
              });
            } finally {
              await rr.close();
            }
          }
          process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : table(result));
        } finally {
          await baseline?.close();
          await ctx.close();
        }
      },
    );
}
