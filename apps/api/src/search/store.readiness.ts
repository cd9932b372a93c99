// The vector store's /readyz check: reachable, and holding exactly what Postgres says it must for
// the active model version. A store that is out of step (an empty Qdrant beside an indexed data
// folder, a collection lost with its volume) is reported unready and rebuilt from Postgres in the
// background, once at a time, so the API heals without a restart; a store that cannot be reached
// is unready until it answers again.
import type { Logger } from "../core/logger.js";
import type { VectorStore } from "../vectors/vector.store.js";
import type { IndexService } from "./index.service.js";
import type { ModelRef } from "./search.types.js";

export interface StoreReadinessDeps {
  store: VectorStore;
  indexer: IndexService;
  model: ModelRef;
  logger: Logger;
}

/** `deps` may be a getter: a server that switches models checks whichever one it serves now. */
export function vectorStoreReadiness(deps: StoreReadinessDeps | (() => StoreReadinessDeps), graceMs = 10_000) {
  let healing: Promise<unknown> | undefined;
  let mismatch: { key: string; since: number } | undefined;
  return {
    name: "vectorStore",
    check: async (): Promise<{ ok: boolean; detail: string }> => {
      const { store, indexer, model, logger } = typeof deps === "function" ? deps() : deps;
      if (!(await store.ready())) return { ok: false, detail: `${store.name}: unreachable` };
      // A cluster (issue #28): a lost replica is reported but still serves (degraded); a shard with
      // no live replica cannot answer every search (down), so this replica is taken out of rotation.
      const cluster = store.clusterHealth ? await store.clusterHealth(model.modelVersionId) : undefined;
      const clusterNote =
        cluster?.distributed && cluster.status !== "ok" ? `; cluster ${cluster.status}: ${cluster.problems.join("; ")}` : "";
      if (cluster?.distributed && cluster.status === "down")
        return { ok: false, detail: `${store.name}: cluster down: ${cluster.problems.join("; ")}` };
      if (indexer.activity === "rebuilding" || healing) return { ok: false, detail: `${store.name}: rebuilding from Postgres` };
      const state = await indexer.storeState(model);
      const counts = `${state.store.IMAGE} image and ${state.store.CAPTION} caption vectors`;
      if (state.inSync) {
        mismatch = undefined;
        return { ok: true, detail: `${store.name}: ${counts}${clusterNote}` };
      }
      // While items are being indexed (here or by a worker elsewhere), Postgres runs a batch ahead
      // of the store: only an empty store, or the same difference seen again after graceMs, is a fault.
      const key = JSON.stringify(state);
      if (mismatch?.key !== key) mismatch = { key, since: Date.now() };
      const empty = state.store.IMAGE + state.store.CAPTION === 0;
      if (!empty && (indexer.activity === "indexing" || Date.now() - mismatch.since < graceMs))
        return { ok: true, detail: `${store.name}: ${counts}, catching up with Postgres${clusterNote}` };
      mismatch = undefined;
      healing = indexer
        .syncStore(model)
        .catch((err) => logger.error({ err }, "vector store rebuild from Postgres failed"))
        .finally(() => {
          healing = undefined;
        });
      return {
        ok: false,
        detail: `${store.name}: out of step with Postgres (${counts}; Postgres ${state.postgres.IMAGE} and ${state.postgres.CAPTION}), rebuilding`,
      };
    },
  };
}
