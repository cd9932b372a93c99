// Builds one model version's retrieval core (search/retrieval.ts) over an open AppContext: the encoder,
// the vector store, indexing, explanations and search. The only place these are constructed.
import type { Config } from "../config/config.js";
import type { AppContext } from "../core/app.context.js";
import { EncoderService, type EncoderHooks } from "../encoders/encoder.service.js";
import { ExplanationService } from "../explain/explanation.service.js";
import { EmbeddedVectorStore } from "../vectors/embedded.store.js";
import { QdrantVectorStore } from "../vectors/qdrant.store.js";
import { TimedVectorStore } from "../vectors/timed.store.js";
import type { VectorStore } from "../vectors/vector.store.js";
import { captioningDefaults } from "../search/caption.strategy.js";
import { EmbeddingRepository } from "../search/embedding.repository.js";
import { type IndexProgress, IndexService } from "../search/index.service.js";
import { activateIndexedVersion, registerModelVersion } from "../lifecycle/model.registry.js";
import { SearchService } from "../search/search.service.js";
import type { Retrieval } from "../search/retrieval.js";
import type { ModelRef } from "../search/search.types.js";

export type { Retrieval };

/** What every Qdrant store of this deployment shares: the peers' key, the collection layout, consistency and failback. */
export function qdrantClusterOptions(qdrant: Config["qdrant"]) {
  return {
    apiKey: qdrant.apiKey,
    layout: qdrant.layout,
    readConsistency: qdrant.readConsistency,
    failbackMs: qdrant.failbackMs,
  };
}

export function createVectorStore(ctx: AppContext): VectorStore {
  const { vectorStore, qdrant } = ctx.config;
  if (vectorStore === "qdrant" && qdrant.urls.length)
    return new QdrantVectorStore(qdrant.urls, { ...qdrantClusterOptions(qdrant), exactMaxPoints: qdrant.exactMaxPoints });
  return new EmbeddedVectorStore();
}

/** Progress of a store rebuild as log lines, one per 10 %. */
function logProgress(logger: AppContext["logger"]) {
  let lastDecile = -1;
  return (p: IndexProgress) => {
    const decile = Math.floor((10 * p.done) / Math.max(1, p.total));
    if (decile !== lastDecile) logger.info(`vector store rebuild from Postgres: ${p.done}/${p.total}`);
    lastDecile = decile;
  };
}

export async function openRetrieval(
  ctx: AppContext,
  options: {
    modelDir?: string;
    loadStore?: boolean;
    /** Rebuild an out-of-step Qdrant collection from Postgres here (default), or leave it to indexAll. */
    syncStore?: boolean;
    hooks?: EncoderHooks;
    /**
     * Activate this version once an index run leaves nothing pending (a server replacing a version
     * whose folder is gone, or `medcap index --activate`). Default: never; activation is explicit.
     */
    activateWhenIndexed?: boolean;
  } = {},
): Promise<Retrieval> {
  const encoder = await EncoderService.load(options.modelDir ?? ctx.config.modelDir, ctx.config, ctx.logger, options.hooks);
  try {
    // Blue/green: loading or indexing a version never makes it active (unless none is); the active
    // version keeps answering, with all its vectors and evaluation runs, until someone activates another.
    const model = await registerModelVersion(ctx.db.prisma, encoder.info(), "if-none-active");
    const store = createVectorStore(ctx);
    const repo = new EmbeddingRepository(ctx.db.prisma);
    const stored = await repo.storedDims(model.modelVersionId);
    if (stored !== undefined && stored !== encoder.dim) {
      throw new Error(`stored vectors of ${model.name} ${model.version} have ${stored} dimensions, the model ${encoder.dim}`);
    }
    const activate = options.activateWhenIndexed
      ? async (m: ModelRef) => {
          await activateIndexedVersion(ctx.db.prisma, m.modelVersionId, "system:index");
        }
      : undefined;
    const indexer = new IndexService(repo, store, encoder, ctx.images, ctx.logger, ctx.config.batch.maxSize, activate);
    await store.ensureCollection(model.modelVersionId, encoder.dim);
    // The embedded store lives in this process: fill it from Postgres. Qdrant already holds its data.
    if (store.name === "embedded" && options.loadStore !== false) await indexer.loadStore(model);
    // Qdrant keeps its data between runs but may lack what Postgres holds (a data folder indexed
    // with the embedded store, a lost volume): never serve it so; rebuild it from Postgres first.
    if (store instanceof QdrantVectorStore) {
      const v = await store.serverVersion();
      if (!v.compatible) ctx.logger.warn(v, "Qdrant server and client versions differ by more than one minor version; expect API errors");
      if (options.syncStore !== false && options.loadStore !== false) await indexer.syncStore(model, logProgress(ctx.logger));
    }
    // Captioning defaults come from the model being served (its CV winner), then deployment config.
    const captioning = captioningDefaults(encoder.info().captioning, ctx.config.captioning);
    // Queries report their vector-search time to the request's stage timings (medcap bench).
    const explainer = new ExplanationService({
      prisma: ctx.db.prisma,
      encoder,
      repo,
      model,
      readImage: (storedPath) => ctx.images.read(storedPath),
      cacheSize: ctx.config.explainCacheSize,
    });
    // The attribute prior (issue #24): the model's CV choice, unless the deployment turns it off.
    const manifest = encoder.info();
    const priorsOn = ctx.config.attributePrior !== false;
    const search = new SearchService(ctx.db.prisma, encoder, new TimedVectorStore(store), repo, indexer, model, captioning, explainer, {
      captioning: priorsOn ? manifest.captioningPrior : null,
      similarImages: priorsOn ? manifest.similarImagesPrior : null,
      readImage: (storedPath) => ctx.images.read(storedPath),
    });
    return {
      encoder,
      store,
      repo,
      indexer,
      search,
      model,
      close: async () => {
        await store.close();
        await encoder.close();
      },
    };
  } catch (err) {
    await encoder.close();
    throw err;
  }
}
