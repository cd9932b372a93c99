// The services `medcap` commands use, built here over the command's context: a command asks for
// what it needs and constructs nothing itself (cli/ imports no service class; the dependency rules
// in .dependency-cruiser.cjs check it). The server's services are composed in server.composition.ts.
import { type AuditModel, auditModelOf, CaptionAuditService } from "../audit/caption.audit.service.js";
import { measurePlantedFaults } from "../audit/planted.measurement.js";
import { ApiKeyService } from "../auth/api-key.service.js";
import { BenchService } from "../bench/bench.service.js";
import type { Config } from "../config/config.js";
import type { AppContext } from "../core/app.context.js";
import type { Logger } from "../core/logger.js";
import { CatalogStatsService } from "../curation/catalog-stats.service.js";
import { EncoderService } from "../encoders/encoder.service.js";
import { checkParity } from "../encoders/gpu.parity.js";
import { EvaluationService } from "../eval/evaluation.service.js";
import { GpuInstaller, type GpuInstallOptions } from "../gpu/gpu.install.js";
import { ImportService } from "../ingest/import.service.js";
import type { Retrieval } from "../search/retrieval.js";
import { VerifyService } from "../search/verify.service.js";
import { QdrantVectorStore } from "../vectors/qdrant.store.js";
import { openRetrieval, qdrantClusterOptions } from "./retrieval.composition.js";

/**
 * The Qdrant store `medcap bench` measures beside the embedded one (QDRANT_URL set), under a fixed
 * prefix so --keep-qdrant finds the collections of an earlier run; undefined without QDRANT_URL.
 */
export function benchQdrantStore(config: Config): QdrantVectorStore | undefined {
  if (!config.qdrant.url) return undefined;
  return new QdrantVectorStore(config.qdrant.urls, { ...qdrantClusterOptions(config.qdrant), prefix: "medcap_bench" });
}

/** An encoder without a database (medcap bench --image-precision-only). */
export const loadEncoder = (modelDir: string, config: Config, logger: Logger) => EncoderService.load(modelDir, config, logger);

/** `medcap gpu install | remove`: the CUDA provider installer (no database needed). */
export const gpuInstaller = (options: GpuInstallOptions) => new GpuInstaller(options);

/** `medcap gpu parity`: the model's encoder on the configured providers against one on CPU alone. */
export function checkGpuParity(modelDir: string, config: Config, logger: Logger, minCosine: number) {
  return checkParity(
    modelDir,
    (providers) => EncoderService.load(modelDir, providers ? { ...config, providers } : config, logger),
    minCosine,
  );
}

export type CommandServices = ReturnType<typeof commandServices>;

/** Factories over one open context; each builds its service when the command asks for it. */
export function commandServices(ctx: AppContext) {
  const prisma = ctx.db.prisma;
  return {
    /** One model version's retrieval core (the configured or given model folder). */
    openRetrieval: (options?: Parameters<typeof openRetrieval>[1]) => openRetrieval(ctx, options),
    /** An encoder alone, for comparisons against a baseline model (medcap bench --baseline-model). */
    loadEncoder: (modelDir: string) => EncoderService.load(modelDir, ctx.config, ctx.logger),
    importer: () => new ImportService(prisma, ctx.images, ctx.logger),
    catalogStats: () => new CatalogStatsService(prisma),
    apiKeys: () => new ApiKeyService(prisma),
    /** The caption audit; with a model (auditModelOf a retrieval core) its vector and attribute rules run too. */
    captionAudit: (model?: AuditModel) => new CaptionAuditService(prisma, ctx.logger, model),
    auditModelOf,
    evaluation: (r: Retrieval) => new EvaluationService(prisma, r),
    verifier: (r: Retrieval) => new VerifyService(r.repo, r.store, r.indexer, ctx.logger),
    bench: (r: Retrieval) => new BenchService(prisma, ctx.images, r),
    /** The planted-fault measurement of the caption audit on the given retrieval core. */
    measurePlantedFaults: (r: Retrieval, options: Parameters<typeof measurePlantedFaults>[3]) =>
      measurePlantedFaults(
        ctx,
        {
          importer: new ImportService(prisma, ctx.images, ctx.logger),
          audit: new CaptionAuditService(prisma, ctx.logger, auditModelOf(r)),
        },
        r,
        options,
      ),
  };
}
