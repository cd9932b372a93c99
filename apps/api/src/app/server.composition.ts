// Composes the HTTP server: every service the GraphQL API calls, the job queue and its worker, the
// API keys and the rate limiter are built here, once per server, and handed to server/ (which
// constructs none of them). `medcap serve`, `medcap bench` and the HTTP tests all start a server
// through createServer.
import { CaptionAuditService } from "../audit/caption.audit.service.js";
import { ApiKeyService } from "../auth/api-key.service.js";
import { RateLimiter } from "../auth/rate.limiter.js";
import { CaptionService } from "../curation/caption.service.js";
import { CaseService } from "../curation/case.service.js";
import { CatalogService } from "../curation/catalog.service.js";
import { FlagService } from "../curation/flag.service.js";
import { ImageService } from "../curation/image.service.js";
import { type ModelSwitcher, ModelVersionService } from "../curation/model-version.service.js";
import { SearchRequestService } from "../graphql/search.requests.js";
import type { JobHandlerRegistry } from "../jobs/job.handlers.js";
import { JobQueue } from "../jobs/job.queue.js";
import { JobWorker, type JobWorkerOptions } from "../jobs/job.worker.js";
import { type CreateHttpServerOptions, createHttpServer, type MedcapServer, type ServerParts } from "../server/server.factory.js";

export { graphqlAddress, type MedcapServer } from "../server/server.factory.js";

export interface CreateServerOptions extends Omit<CreateHttpServerOptions, "parts"> {
  /** The served-model handle activateModelVersion switches; without it activation only flips the flag. */
  models?: ModelSwitcher;
  /** The job worker: on by default with the process-wide handler registry; `false` turns it off. */
  worker?: false | (JobWorkerOptions & { handlers?: JobHandlerRegistry });
}

/** The services, queue, worker, keys and limiter of one server, over its context and retrieval port. */
export function composeServerParts(options: Pick<CreateServerOptions, "ctx" | "retrieval" | "models" | "worker">): ServerParts {
  const { ctx, retrieval } = options;
  const { config, logger } = ctx;
  const prisma = ctx.db.prisma;
  const imageLimits = { maxUploadBytes: config.limits.maxUploadBytes, maxPixels: config.limits.maxPixels };
  const queue = new JobQueue(prisma);
  const worker =
    options.worker === false
      ? undefined
      : new JobWorker(queue, logger.child({ component: "jobs" }), { maxAttempts: config.jobs.maxAttempts, ...options.worker });
  const keys = new ApiKeyService(prisma, config.apiKeyCacheMs);
  return {
    services: {
      catalog: new CatalogService(prisma),
      cases: new CaseService(prisma),
      captions: new CaptionService(prisma, retrieval, logger),
      flags: new FlagService(prisma, retrieval, logger),
      audit: new CaptionAuditService(prisma, logger, undefined, { queue, onEnqueued: () => worker?.wake() }),
      images: new ImageService(prisma, ctx.images, retrieval, imageLimits, logger),
      models: new ModelVersionService(prisma, queue, () => worker?.wake(), options.models),
      keys,
      jobs: queue,
      search: new SearchRequestService(retrieval, config.limits.maxK, imageLimits),
    },
    queue,
    worker,
    keys,
    limiter: new RateLimiter(config.limits.rateLimitPerMinute),
  };
}

/** Builds the server's parts and the HTTP server over them. */
export async function createServer(options: CreateServerOptions): Promise<MedcapServer> {
  return createHttpServer({ ...options, parts: composeServerParts(options) });
}
