// What every resolver receives: who is calling, per-request loaders, and the services.
import type { Principal } from "../auth/role.policy.js";
import type { ApiKeyService } from "../auth/api-key.service.js";
import type { Logger } from "../core/logger.js";
import type { MedcapError } from "../core/errors.js";
import type { CaptionAuditService } from "../audit/caption.audit.service.js";
import type { CaptionService } from "../curation/caption.service.js";
import type { CaseService } from "../curation/case.service.js";
import type { CatalogService } from "../curation/catalog.service.js";
import type { FlagService } from "../curation/flag.service.js";
import type { ImageService } from "../curation/image.service.js";
import type { ModelVersionService } from "../curation/model-version.service.js";
import type { SearchRequestService } from "./search.requests.js";
import type { JobQueue } from "../jobs/job.queue.js";
import type { HealthSource } from "./graphql.mappers.js";
import type { Loaders } from "./graphql.loaders.js";

/** Built once per server; resolvers reach the core only through these. */
export interface GraphQLServices {
  catalog: CatalogService;
  cases: CaseService;
  captions: CaptionService;
  flags: FlagService;
  audit: CaptionAuditService;
  images: ImageService;
  models: ModelVersionService;
  keys: ApiKeyService;
  jobs: JobQueue;
  search: SearchRequestService;
  health(): Promise<HealthSource>;
}

export interface GraphQLContext {
  requestId: string;
  logger: Logger;
  /** Undefined when the request carried no API key. */
  principal: Principal | undefined;
  /** Set when a key was presented but refused; every guarded field then fails with it. */
  authError: MedcapError | undefined;
  loaders: Loaders;
  services: GraphQLServices;
  /** Filled by the metrics plugin so the HTTP access log can name the operation. */
  operation: { name: string | undefined; label: string | undefined };
}
