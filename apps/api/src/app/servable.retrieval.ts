// What `medcap serve` needs from the composition root (app.composition.ts): the retrieval core
// with its shutdown, readiness checks and start-up work. Kept apart from the CLI so that nothing
// below the CLI imports from it.
import type { AppContext } from "../core/app.context.js";
import type { ModelSwitcher } from "../curation/model-version.service.js";
import type { RetrievalPort } from "../search/search.types.js";
import type { BootstrapState } from "../server/bootstrap.state.js";
import type { ReadinessCheck } from "../server/health.routes.js";
import type { ServerMetrics } from "../telemetry/server.metrics.js";

/** The retrieval core as the server runs it: the port, its shutdown, and what /readyz should check. */
export interface ServableRetrieval extends RetrievalPort {
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
export type RetrievalFactory = (ctx: AppContext, deps: { metrics: ServerMetrics; bootstrap: BootstrapState }) => Promise<ServableRetrieval>;
