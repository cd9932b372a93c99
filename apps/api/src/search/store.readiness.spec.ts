// Unit tests of the vector store's readiness logic, over a store and an indexer whose counts the test
// sets (the real ones run in index.service.spec.ts and the Qdrant end-to-end test).
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { VectorStore } from "../vectors/vector.store.js";
import type { IndexService, StoreState } from "./index.service.js";
import { vectorStoreReadiness } from "./store.readiness.js";

function harness(initial: { store: [number, number]; postgres: [number, number]; reachable?: boolean }) {
  const s = { ...initial, reachable: initial.reachable ?? true, syncs: 0 };
  let release: () => void = () => {};
  const indexer = {
    activity: "idle" as IndexService["activity"],
    storeState: async (): Promise<StoreState> => {
      const store = { IMAGE: s.store[0], CAPTION: s.store[1] };
      const postgres = { IMAGE: s.postgres[0], CAPTION: s.postgres[1] };
      return { store, postgres, inSync: store.IMAGE === postgres.IMAGE && store.CAPTION === postgres.CAPTION };
    },
    syncStore: async () => {
      s.syncs++;
      await new Promise<void>((r) => {
        release = r;
      });
      s.store = [...s.postgres];
      return { rebuilt: true };
    },
  };
  const store = { name: "qdrant", ready: async () => s.reachable } as unknown as VectorStore;
  const model = { name: "m", version: "1", modelVersionId: "mv" };
  return { s, indexer, store, model, finishSync: () => release() };
}

const logger = pino({ level: "silent" });

describe("vector store readiness", () => {
  it("is ready when the store holds what Postgres holds, unready when unreachable", async () => {
    const h = harness({ store: [3, 4], postgres: [3, 4] });
    const check = vectorStoreReadiness({ ...h, indexer: h.indexer as unknown as IndexService, logger });
    expect(await check.check()).toMatchObject({ ok: true, detail: "qdrant: 3 image and 4 caption vectors" });
    h.s.reachable = false;
    expect(await check.check()).toEqual({ ok: false, detail: "qdrant: unreachable" });
  });

  it("reports an empty store at once and rebuilds it once, staying unready until the rebuild ends", async () => {
    const h = harness({ store: [0, 0], postgres: [3, 4] });
    const check = vectorStoreReadiness({ ...h, indexer: h.indexer as unknown as IndexService, logger });
    expect(await check.check()).toMatchObject({ ok: false, detail: expect.stringMatching(/out of step.*rebuilding/) });
    expect(await check.check()).toMatchObject({ ok: false, detail: "qdrant: rebuilding from Postgres" });
    expect(h.s.syncs).toBe(1);
    h.finishSync();
    await new Promise((r) => setTimeout(r, 10));
    expect(await check.check()).toMatchObject({ ok: true });
  });

  it("tolerates a moving difference (indexing elsewhere) and heals one that lasts past the grace period", async () => {
    const h = harness({ store: [3, 4], postgres: [5, 4] });
    const check = vectorStoreReadiness({ ...h, indexer: h.indexer as unknown as IndexService, logger }, 50);
    expect(await check.check()).toMatchObject({ ok: true, detail: expect.stringMatching(/catching up/) });
    h.s.postgres = [6, 4]; // still moving: a new difference starts a new grace period
    await new Promise((r) => setTimeout(r, 30));
    expect(await check.check()).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 60));
    expect(await check.check()).toMatchObject({ ok: false, detail: expect.stringMatching(/out of step/) });
    expect(h.s.syncs).toBe(1);
    h.finishSync();
  });

  it("never judges the store while this process is indexing", async () => {
    const h = harness({ store: [3, 4], postgres: [9, 4] });
    h.indexer.activity = "indexing";
    const check = vectorStoreReadiness({ ...h, indexer: h.indexer as unknown as IndexService, logger }, 0);
    expect(await check.check()).toMatchObject({ ok: true, detail: expect.stringMatching(/catching up/) });
    expect(h.s.syncs).toBe(0);
  });

  it("stays ready on a degraded cluster (a replica lost, every shard served) and says why; is unready when a shard has no live copy", async () => {
    const h = harness({ store: [3, 4], postgres: [3, 4] });
    let health: { status: "ok" | "degraded" | "down"; distributed: boolean; problems: string[] } = {
      status: "ok",
      distributed: true,
      problems: [],
    };
    const store = Object.assign(h.store, { clusterHealth: async () => health });
    const check = vectorStoreReadiness({ ...h, store, indexer: h.indexer as unknown as IndexService, logger });
    expect(await check.check()).toEqual({ ok: true, detail: "qdrant: 3 image and 4 caption vectors" });
    health = {
      status: "degraded",
      distributed: true,
      problems: ["peer http://q1:6333 does not answer", "shard 0 replica on peer 7: Dead, peer lost"],
    };
    expect(await check.check()).toEqual({
      ok: true,
      detail:
        "qdrant: 3 image and 4 caption vectors; cluster degraded: peer http://q1:6333 does not answer; shard 0 replica on peer 7: Dead, peer lost",
    });
    health = { status: "down", distributed: true, problems: ["shard 0 has no live replica"] };
    expect(await check.check()).toEqual({ ok: false, detail: "qdrant: cluster down: shard 0 has no live replica" });
  });
});
