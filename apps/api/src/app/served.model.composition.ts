// The served model as `medcap serve` (and `medcap bench --http`) runs it (issue #18 item 8): which
// version answers, the one handle that swaps versions (lifecycle/served.model.ts: ServedModel), and
// what the server is handed over it (ServedRetrieval): the retrieval port, its shutdown, readiness
// checks, the REINDEX / EVALUATION / CAPTION_AUDIT job handlers, encoder metrics, and the start-up
// work done while the server already answers ((with MEDCAP_AUTO_IMPORT) a first-start import of
// MedPix 2.0, then indexing whatever the served model has not encoded yet).
//
// Which model a server answers with: the active version, whose folder is found
// among the visible model folders (model.catalog.ts). A server picks up an activation made by
// another process (the CLI, a second replica) by polling the active version every
// MEDCAP_MODEL_POLL_MS (default 5 s; a cheap primary-key read), and work on a version it does not
// serve (a REINDEX or EVALUATION job) runs on a temporary second copy of that version.
import { existsSync } from "node:fs";
import path from "node:path";
import { Counter, Gauge, Histogram } from "prom-client";
import { captionAuditJobHandler } from "../audit/caption-audit.job.js";
import { auditModelOf, CaptionAuditService } from "../audit/caption.audit.service.js";
import type { AppContext } from "../core/app.context.js";
import { MedcapError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { ModelSwitcher } from "../curation/model-version.service.js";
import type { EncoderHooks } from "../encoders/encoder.service.js";
import { PROTOCOLS, type Protocol } from "../eval/eval.protocols.js";
import { EvaluationService } from "../eval/evaluation.service.js";
import { ImportService } from "../ingest/import.service.js";
import { downloadMedpix } from "../ingest/medpix.download.js";
import { readMedpix } from "../ingest/medpix.reader.js";
import { registerJobHandler } from "../jobs/job.handlers.js";
import { findModelFolder, readModelIdentity, registerModelFolders } from "../lifecycle/model.catalog.js";
import { modelReadiness } from "../lifecycle/model.readiness.js";
import { findModelVersion } from "../lifecycle/model.registry.js";
import { ServedModel } from "../lifecycle/served.model.js";
import { captioningFromJson } from "../search/caption.strategy.js";
import type { Retrieval } from "../search/retrieval.js";
import type { RetrievalPort } from "../search/search.types.js";
import { vectorStoreReadiness } from "../search/store.readiness.js";
import type { BootstrapState } from "../server/bootstrap.state.js";
import type { ReadinessCheck } from "../server/health.routes.js";
import type { ServerMetrics } from "../telemetry/server.metrics.js";
import { openRetrieval } from "./retrieval.composition.js";
import type { LruStats } from "../core/lru.map.js";

/** The retrieval core as the server runs it: the port, its shutdown, and what /readyz should check. */
export interface ServedRetrieval extends RetrievalPort {
  close(): Promise<void>;
  /** E.g. "model loaded", "vector store loaded"; added to /readyz and the `health` query. */
  readiness?: ReadinessCheck[];
  /**
   * Start-up work done while the server already answers (first import, index), reporting into the
   * bootstrap state; stops early when the signal aborts (shutdown during start-up).
   */
  prepare?(signal: AbortSignal): Promise<void>;
  /** The served-model handle that activateModelVersion switches (load, flip the flag, serve). */
  models?: ModelSwitcher;
}

/**
 * Builds the retrieval core for `medcap serve`. It receives the server's metrics so encoder batch
 * sizes and queue depth land on /metrics, and the bootstrap state to report its start-up into; it
 * is the place to call registerJobHandler for REINDEX and EVALUATION.
 */
export type ServedRetrievalFactory = (
  ctx: AppContext,
  deps: { metrics: ServerMetrics; bootstrap: BootstrapState },
) => Promise<ServedRetrieval>;

/** The folder of a version, or CONFLICT saying where it was looked for. */
export async function versionFolder(ctx: AppContext, modelVersionId: string): Promise<string> {
  const row = await findModelVersion(ctx.db.prisma, modelVersionId);
  const dir = await findModelFolder(ctx.config, row);
  if (!dir)
    throw new MedcapError(
      "CONFLICT",
      `the folder of model version ${row.name} ${row.version} is not on this server (looked in ${ctx.config.modelDir} and under ${ctx.config.modelsDir}); copy it there or set MEDCAP_MODELS_DIR`,
      { modelVersionId },
    );
  return dir;
}

/** Opens a version by id; CONFLICT when its folder is unknown or does not load. */
export async function openVersion(
  ctx: AppContext,
  modelVersionId: string,
  options: Omit<Parameters<typeof openRetrieval>[1], "modelDir"> = {},
): Promise<Retrieval> {
  const dir = await versionFolder(ctx, modelVersionId);
  let r: Retrieval;
  try {
    r = await openRetrieval(ctx, { ...options, modelDir: dir });
  } catch (err) {
    throw new MedcapError("CONFLICT", `model folder ${dir} does not load: ${(err as Error).message}`, { modelVersionId }, { cause: err });
  }
  if (r.model.modelVersionId !== modelVersionId) {
    await r.close();
    throw new MedcapError("CONFLICT", `model folder ${dir} changed on disk and no longer holds version ${modelVersionId}`);
  }
  return r;
}

/** Runs fn on the served model when it is that version, else on a temporary copy of the version. */
export async function onVersion<T>(
  ctx: AppContext,
  served: ServedModel<Retrieval>,
  modelVersionId: string | undefined,
  fn: (r: Retrieval) => Promise<T>,
  options: { loadStore?: boolean } = {},
): Promise<T> {
  if (!modelVersionId || modelVersionId === served.current.model.modelVersionId) return served.use(fn);
  const r = await openVersion(ctx, modelVersionId, { loadStore: options.loadStore, syncStore: false });
  try {
    return await fn(r);
  } finally {
    await r.close();
  }
}

/**
 * The model a starting server serves: the active version; the configured folder when none is active
 * (a first start: it becomes the active one). When the active version's folder is nowhere to be found
 * (the model was replaced on disk) it serves the configured model, indexes it as start-up work and
 * activates it once complete (`replacing`); /readyz is not ready until then.
 */
export async function openServedModel(
  ctx: AppContext,
  hooks: EncoderHooks,
): Promise<{ served: ServedModel<Retrieval>; replacing: boolean }> {
  await registerModelFolders(ctx.db.prisma, ctx.config);
  const active = await ctx.db.prisma.modelVersion.findFirst({ where: { active: true } });
  const configured = await readModelIdentity(ctx.config.modelDir);
  const activeDir = active ? await findModelFolder(ctx.config, active) : undefined;
  const replacing = Boolean(active && !activeDir);
  const initial = await openRetrieval(ctx, { modelDir: activeDir ?? ctx.config.modelDir, hooks, activateWhenIndexed: replacing });
  if (replacing && active)
    ctx.logger.warn(
      { active: `${active.name} ${active.version}`, configured: configured && `${configured.name} ${configured.version}` },
      "the active model version's folder is not here: serving the configured model, which becomes active once indexed",
    );
  else if (configured && active && (configured.name !== active.name || configured.version !== active.version))
    ctx.logger.warn(
      `serving the active version ${active.name} ${active.version}, not MEDCAP_MODEL_DIR (${configured.name} ${configured.version}); ` +
        "to switch, index it (reindex mutation or medcap index --model) and activate it (activateModelVersion or medcap model activate)",
    );
  const served = new ServedModel<Retrieval>(initial, {
    load: (id) => openVersion(ctx, id, { hooks }),
    activeVersionId: async () => (await ctx.db.prisma.modelVersion.findFirst({ where: { active: true }, select: { id: true } }))?.id,
    logger: ctx.logger,
  });
  return { served, replacing };
}

/**
 * Where a first start looks for MedPix 2.0 locally: MEDPIX_DIR only. The development default (the
 * shared copy beside the checkout) is applied by `npm start`, not here, so a deployment never looks
 * outside the folders it is given.
 */
function medpixCandidates(ctx: AppContext): string[] {
  return ctx.config.medpixDir ? [path.resolve(ctx.config.medpixDir)] : [];
}

/** A local MedPix copy, else a download; undefined (with a notice saying where it looked) when neither works. */
async function findMedpix(ctx: AppContext, boot: BootstrapState, log: Logger): Promise<string | undefined> {
  const candidates = medpixCandidates(ctx);
  const local = candidates.find((dir) => existsSync(dir));
  if (local) return local;
  try {
    return await downloadMedpix(ctx.config.dataDir, (m) => log.info(m), ctx.config.medpixDownloadUrl);
  } catch (err) {
    const notice =
      `MedPix 2.0 was not found (${candidates.length ? `looked in ${candidates.join(", ")}` : "MEDPIX_DIR is not set"}) and could not be downloaded (${(err as Error).message}). ` +
      "The catalogue starts empty; point MEDPIX_DIR at a copy and restart, or import one later with: npx medcap import medpix <dir>";
    boot.notice(notice);
    log.warn(notice);
    return undefined;
  }
}

/** Reports progress into the bootstrap state and, once per tenth, into the log. */
function reporter(boot: BootstrapState, log: Logger, what: string) {
  let lastDecile = -1;
  return (p: { phase: string; done: number; total: number }) => {
    boot.progress(p.done, p.total, p.phase);
    const decile = Math.floor((10 * p.done) / Math.max(1, p.total));
    if (decile !== lastDecile) log.info(`${what} ${p.phase}: ${p.done}/${p.total}`);
    lastDecile = decile;
  };
}

/** `replacing`: the served model stands in for an active version whose folder is gone; index it whatever the settings. */
async function bootstrap(ctx: AppContext, r: Retrieval, boot: BootstrapState, signal: AbortSignal, replacing = false) {
  // `medcap serve` alone serves what is indexed; `npm start` sets MEDCAP_AUTO_IMPORT.
  if (!ctx.config.autoImport && !replacing) return;
  const log = ctx.logger.child({ component: "bootstrap" });
  if (ctx.config.autoImport && (await ctx.db.prisma.case.count()) === 0) {
    boot.enter("import", "looking for MedPix 2.0");
    const dir = await findMedpix(ctx, boot, log);
    if (dir && !signal.aborted) {
      boot.enter("import", "importing MedPix 2.0");
      log.info({ dir }, "first start: importing MedPix 2.0");
      const report = await new ImportService(ctx.db.prisma, ctx.images, ctx.logger).importDataset(await readMedpix(dir), {
        actor: "bootstrap",
        maxPixels: ctx.config.limits.maxPixels,
        onProgress: reporter(boot, log, "import"),
      });
      log.info(report.cases, "import done");
    }
  }
  if (signal.aborted) return;
  boot.enter("index", `encoding images and captions with ${r.model.name}`);
  const report = await r.indexer.indexAll(r.model, reporter(boot, log, "index"), signal);
  if (report.images || report.captions) log.info(report, "index done");
}

export const openServedRetrieval: ServedRetrievalFactory = async (ctx, { metrics, bootstrap: boot }) => {
  const batchSize = new Histogram({
    name: "medcap_encode_batch_size",
    help: "Items per ONNX run of the micro-batched encoders",
    labelNames: ["encoder"],
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [metrics.registry],
  });
  const { served, replacing } = await openServedModel(ctx, { onBatch: (kind, o) => batchSize.observe({ encoder: kind }, o.size) });
  new Gauge({
    name: "medcap_encode_queue_depth",
    help: "Encode requests waiting for a batch",
    labelNames: ["encoder"],
    registers: [metrics.registry],
    collect() {
      const d = served.current.encoder.queueDepth;
      this.set({ encoder: "image" }, d.image);
      this.set({ encoder: "text" }, d.text);
    },
  });
  const cacheCounter = (name: string, help: string, stats: () => LruStats | undefined) =>
    new Counter({
      name,
      help,
      labelNames: ["result"],
      registers: [metrics.registry],
      collect() {
        const s = stats();
        this.reset();
        this.inc({ result: "hit" }, s?.hits ?? 0);
        this.inc({ result: "miss" }, s?.misses ?? 0);
      },
    });
  cacheCounter(
    "medcap_text_embedding_cache_requests_total",
    "Request text encodes answered from the embedding cache (hit) or by the model (miss)",
    () => served.current.encoder.textCacheStats(),
  );
  cacheCounter(
    "medcap_explanation_cache_requests_total",
    "explainMatch results answered from the explanation cache (hit) or computed (miss)",
    () => served.current.search.explainCacheStats(),
  );
  // Jobs name their version (the active one when enqueued); one the server does not serve runs on a temporary copy.
  const versionOf = (params: unknown) => (params as { modelVersionId?: string } | null)?.modelVersionId;
  registerJobHandler("REINDEX", async (job, progress, signal) =>
    onVersion(
      ctx,
      served,
      versionOf(job.params),
      (r) =>
        r.indexer.indexAll(
          r.model,
          (p) =>
            void progress(
              p.phase === "images" ? 0.5 * (p.done / Math.max(1, p.total)) : 0.5 + 0.5 * (p.done / Math.max(1, p.total)),
              `${p.phase} ${p.done}/${p.total}`,
            ),
          signal,
        ),
      { loadStore: false },
    ),
  );
  registerJobHandler("EVALUATION", async (job, progress) => {
    const params = job.params as { protocol?: string; split?: "TRAIN" | "DEV" | "TEST"; captioning?: unknown };
    if (!PROTOCOLS.includes(params.protocol as Protocol) || !params.split)
      throw new MedcapError("BAD_USER_INPUT", "evaluation job needs a protocol and a split");
    const result = await onVersion(ctx, served, versionOf(job.params), (r) =>
      new EvaluationService(ctx.db.prisma, r).run({
        protocol: params.protocol as Protocol,
        split: params.split as "TRAIN" | "DEV" | "TEST",
        ...captioningFromJson(params.captioning),
        jobId: job.id,
        onProgress: (f, m) => void progress(f, m),
      }),
    );
    return { runId: result.runId, metrics: result.metrics };
  });
  registerJobHandler(
    "CAPTION_AUDIT",
    captionAuditJobHandler(
      (model) => new CaptionAuditService(ctx.db.prisma, ctx.logger, model),
      (id, fn) => onVersion(ctx, served, id, (r) => fn(auditModelOf(r))),
    ),
  );
  served.startFollowing(ctx.config.modelPollMs);

  // Every call goes through the handle, so a request is answered by one model version from start to end.
  const servedRetrieval: ServedRetrieval = {
    captionImage: (q, o) => served.use((r) => r.search.captionImage(q, o)),
    searchImages: (t, o) => served.use((r) => r.search.searchImages(t, o)),
    similarImages: (q, o) => served.use((r) => r.search.similarImages(q, o)),
    classifyImage: (q) => served.use((r) => r.search.classifyImage(q)),
    attributePriors: () => served.current.search.attributePriors(),
    reindexCaption: (id) => served.use((r) => r.search.reindexCaption(id)),
    indexImage: (id) => served.use((r) => r.search.indexImage(id)),
    captioningDefaults: () => served.current.search.captioningDefaults(),
    explainMatch: (q, t, o) => served.use((r) => r.search.explainMatch(q, t, o)),
    close: () => served.close(),
    prepare: (signal) => bootstrap(ctx, served.current, boot, signal, replacing),
    models: {
      servedVersionId: () => served.current.model.modelVersionId,
      switchTo: (id, commit) => served.switchTo(id, commit),
    },
    readiness: [
      modelReadiness({ prisma: ctx.db.prisma, served: () => served.current, failure: () => served.failure }),
      vectorStoreReadiness(() => ({ ...served.current, logger: ctx.logger })),
    ],
  };
  return servedRetrieval;
};
