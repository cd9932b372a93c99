// One contract for every VectorStore: the embedded store always, Qdrant against the server the test
// run starts from the provided binary (test/qdrant.global-setup.ts) or QDRANT_URL; without either,
// the Qdrant suite is skipped with the reason in its name.
import { describe, expect, it } from "vitest";
import { qdrantSkipReason, qdrantTitle, qdrantUrl } from "../../test/qdrant.suite.js";
import { EmbeddedVectorStore } from "./embedded.store.js";
import { CLIENT_VERSION, QdrantVectorStore } from "./qdrant.store.js";
import type { PointPayload, VectorPoint, VectorStore } from "./vector.store.js";

const dim = 8;
function unit(seed: number): Float32Array {
  const v = new Float32Array(dim).map((_, i) => Math.sin(seed * 12.9898 + i * 78.233));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
function point(i: number, over: Partial<PointPayload> = {}): VectorPoint {
  return {
    vector: unit(i),
    payload: {
      kind: "IMAGE",
      targetId: `img${i}`,
      imageId: `img${i}`,
      caseId: `case${Math.floor(i / 2)}`,
      dataset: i % 3 === 0 ? "roco" : "medpix-2.0",
      split: i % 4 === 0 ? "DEV" : "TRAIN",
      modality: i % 2 ? "MR" : "CT",
      plane: i % 5 === 0 ? "Coronal" : "Axial",
      locationCategory: "Head",
      ...over,
    },
  };
}

const prefix = `medcap_test_${Date.now().toString(36)}`;
const stores: [string, () => VectorStore][] = [["embedded", () => new EmbeddedVectorStore()]];
if (qdrantUrl) {
  stores.push(["qdrant (exact search)", () => new QdrantVectorStore(qdrantUrl, { prefix })]);
  // The parameters sent for large collections (exact off, hnsw_ef): below Qdrant's indexing threshold
  // no graph is built yet, so the answers must still be the exact ones.
  stores.push(["qdrant (approximate-search parameters)", () => new QdrantVectorStore(qdrantUrl, { prefix, exactMaxPoints: 0 })]);
} else {
  describe.skip(qdrantTitle("VectorStore contract: qdrant"), () => {
    it(`skipped: ${qdrantSkipReason}`, () => {});
  });
}

describe.each(stores)("VectorStore contract: %s", (_name, make) => {
  const mv = `mv-${Math.random().toString(36).slice(2, 8)}`;

  async function filled(n = 40) {
    const store = make();
    await store.ensureCollection(mv, dim);
    await store.upsert(
      mv,
      Array.from({ length: n }, (_, i) => point(i)),
    );
    return store;
  }

  it("returns exact cosine neighbours in order, the query point first", async () => {
    const store = await filled();
    const hits = await store.search(mv, unit(7), { kind: "IMAGE", k: 5 });
    expect(hits).toHaveLength(5);
    expect(hits[0]?.payload.targetId).toBe("img7");
    expect(hits[0]?.score).toBeCloseTo(1, 5);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    // Exactness: compare with brute force.
    const brute = Array.from({ length: 40 }, (_, i) => ({ i, s: unit(i).reduce((a, x, j) => a + x * unit(7)[j]!, 0) })).sort(
      (a, b) => b.s - a.s,
    );
    expect(hits.map((h) => h.payload.targetId)).toEqual(brute.slice(0, 5).map((b) => `img${b.i}`));
    await store.dropCollection(mv);
  });

  it("applies payload filters (AND across fields, OR within one) and exclusions", async () => {
    const store = await filled();
    const hits = await store.search(mv, unit(3), {
      kind: "IMAGE",
      k: 40,
      filter: { modalities: ["MR"], splits: ["TRAIN"], datasets: ["medpix-2.0"] },
    });
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) expect(h.payload).toMatchObject({ modality: "MR", split: "TRAIN", dataset: "medpix-2.0" });
    const planes = await store.search(mv, unit(3), { kind: "IMAGE", k: 40, filter: { planes: ["Coronal"] } });
    expect(planes.map((h) => h.payload.targetId).sort()).toEqual(
      ["img0", "img10", "img15", "img20", "img25", "img30", "img35", "img5"].sort(),
    );
    const excl = await store.search(mv, unit(3), {
      kind: "IMAGE",
      k: 40,
      filter: { excludeCaseIds: ["case1"] },
      excludeTargetIds: ["img9"],
    });
    const ids = excl.map((h) => h.payload.targetId);
    expect(ids).not.toContain("img2");
    expect(ids).not.toContain("img3");
    expect(ids).not.toContain("img9");
    expect(ids).toHaveLength(37);
    await store.dropCollection(mv);
  });

  it("keeps kinds apart, upserts in place, deletes and counts", async () => {
    const store = await filled(10);
    await store.upsert(mv, [point(100, { kind: "CAPTION", targetId: "cap1" })]);
    expect(await store.count(mv, "IMAGE")).toBe(10);
    expect(await store.count(mv, "CAPTION")).toBe(1);
    await store.upsert(mv, [{ ...point(3), vector: unit(99) }]); // same target: replaced, not added
    expect(await store.count(mv, "IMAGE")).toBe(10);
    const top = await store.search(mv, unit(99), { kind: "IMAGE", k: 1 });
    expect(top[0]?.payload.targetId).toBe("img3");
    await store.delete(mv, "IMAGE", ["img3", "img4"]);
    expect(await store.count(mv, "IMAGE")).toBe(8);
    const all = await store.search(mv, unit(99), { kind: "IMAGE", k: 20 });
    expect(all.map((h) => h.payload.targetId)).not.toContain("img3");
    expect((await store.search(mv, unit(100), { kind: "CAPTION", k: 5 }))[0]?.payload.targetId).toBe("cap1");
    await store.dropCollection(mv);
  });

  it("rebuilds a collection from batches, replacing what was there", async () => {
    const store = await filled(10);
    async function* batches() {
      yield [point(50), point(51)];
      yield [point(52)];
    }
    await store.rebuild(mv, dim, batches());
    expect(await store.count(mv)).toBe(3);
    await store.dropCollection(mv);
    expect(await store.count(mv).catch(() => 0)).toBe(0);
  });

  it("refuses vectors of another dimension", async () => {
    const store = await filled(2);
    await expect(store.ensureCollection(mv, dim + 1)).rejects.toMatchObject({ code: "MODEL_MISMATCH" });
    await store.dropCollection(mv);
  });
});

describe.skipIf(!qdrantUrl)(qdrantTitle("Qdrant store: server, version and failures"), () => {
  it("talks to a server whose version this client accepts (the client's compatibility rule)", async () => {
    const v = await new QdrantVectorStore(qdrantUrl, { prefix }).serverVersion();
    expect(v.client).toBe(CLIENT_VERSION);
    expect(v.compatible).toBe(true);
  });

  it("answers SERVICE_UNAVAILABLE when Qdrant cannot be reached, and ready() says so", async () => {
    // A loopback port nothing listens on: connection refused, like a stopped Qdrant.
    const net = await import("node:net");
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const down = new QdrantVectorStore(`http://127.0.0.1:${port}`, { prefix });
    expect(await down.ready()).toBe(false);
    await expect(down.search("mv", unit(1), { kind: "IMAGE", k: 3 })).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    await expect(down.count("mv")).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
  });

  it("answers SERVICE_UNAVAILABLE for a model version whose collection is missing", async () => {
    const store = new QdrantVectorStore(qdrantUrl, { prefix });
    await expect(store.search("never-created", unit(1), { kind: "IMAGE", k: 3 })).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      message: expect.stringMatching(/no collection/),
    });
    expect(await store.count("never-created")).toBe(0);
  });

  it("searches small collections exactly and large ones through HNSW (MEDCAP_QDRANT_EXACT_MAX_POINTS)", async () => {
    const mv = `mv-exact-${Math.random().toString(36).slice(2, 8)}`;
    const small = new QdrantVectorStore(qdrantUrl, { prefix, exactMaxPoints: 10 });
    await small.ensureCollection(mv, dim);
    await small.upsert(
      mv,
      Array.from({ length: 10 }, (_, i) => point(i)),
    );
    expect(await small.searchesExactly(mv)).toBe(true);
    await small.upsert(mv, [point(10)]);
    expect(await small.searchesExactly(mv)).toBe(false);
    await small.dropCollection(mv);
  });

  it("drops on rebuild what a dead rebuild left behind (unaliased, over a day old), never a recent or aliased collection", async () => {
    // A replica killed mid-REINDEX leaves its half-filled collection, which no alias will ever name.
    const own = `${prefix}_o`;
    const store = new QdrantVectorStore(qdrantUrl, { prefix: own });
    const { QdrantClient } = await import("@qdrant/js-client-rest");
    const client = new QdrantClient({ url: qdrantUrl, checkCompatibility: false });
    const names = async () => (await client.getCollections()).collections.map((c) => c.name);
    await store.ensureCollection("mv-o", dim);
    const orphan = `${own}_${(Date.now() - 2 * 24 * 3600_000).toString(36)}_aaaaaa`;
    const recent = `${own}_${(Date.now() - 3600_000).toString(36)}_bbbbbb`; // perhaps another replica's rebuild in progress
    const foreign = `${own}_x_${(Date.now() - 2 * 24 * 3600_000).toString(36)}_cccccc`; // not a name this store makes
    for (const name of [orphan, recent, foreign]) await client.createCollection(name, { vectors: { size: dim, distance: "Cosine" } });
    await store.rebuild(
      "mv-o",
      dim,
      (async function* () {
        yield [point(1), point(2)];
      })(),
    );
    const after = await names();
    expect(after).not.toContain(orphan);
    expect(after).toEqual(expect.arrayContaining([recent, foreign]));
    expect(await store.count("mv-o")).toBe(2);
    for (const name of [recent, foreign]) await client.deleteCollection(name);
    await store.dropCollection("mv-o");
  });
});
