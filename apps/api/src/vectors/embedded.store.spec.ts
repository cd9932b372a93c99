// The embedded store against brute force on a few thousand random points: every filter column,
// exclusions, scattered and contiguous filter runs, and deletes that move rows.
import { describe, expect, it } from "vitest";
import type { SearchFilter } from "./vector.store.js";
import { EmbeddedVectorStore } from "./embedded.store.js";
import { matchesFilter, type PointPayload, type VectorPoint } from "./vector.store.js";
import { seededRandom } from "../core/seeded.random.js";
import { randomUnitVector } from "./synthetic.vectors.js";

const dim = 24;
const unit = (r: () => number) => randomUnitVector(r, dim);
function points(n: number, seed = 1): VectorPoint[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => ({
    vector: unit(r),
    payload: {
      kind: "IMAGE",
      targetId: `p${i}`,
      imageId: `p${i}`,
      // Cases come in contiguous runs of 40 rows: filters on them leave long runs, others scattered rows.
      caseId: `c${Math.floor(i / 40)}`,
      dataset: i % 7 === 0 ? "roco" : "medpix-2.0",
      split: (["TRAIN", "DEV", "TEST"] as const)[i % 3] as PointPayload["split"],
      modality: i % 2 ? "MR" : "CT",
      plane: i % 5 === 0 ? null : i % 5 === 1 ? "Coronal" : "Axial",
      locationCategory: i % 11 === 0 ? null : "Head",
    },
  }));
}
function brute(all: VectorPoint[], q: Float32Array, k: number, filter?: SearchFilter, exclude: string[] = []) {
  return all
    .filter((p) => matchesFilter(p.payload, filter) && !exclude.includes(p.payload.targetId))
    .map((p) => ({ id: p.payload.targetId, s: p.vector.reduce((a, x, i) => a + x * (q[i] as number), 0) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k);
}

const filters: (SearchFilter | undefined)[] = [
  undefined,
  { modalities: ["MR"] },
  { modalities: ["MR"], splits: ["TRAIN", "DEV"] },
  { datasets: ["roco"], planes: ["Coronal"] },
  { locationCategories: ["Head"], planes: ["Axial"] },
  { caseIds: ["c3", "c17", "c40"] },
  { excludeCaseIds: ["c0", "c1", "c2"], modalities: ["CT"] },
  { modalities: ["XR" as PointPayload["modality"]] },
];

describe("EmbeddedVectorStore", () => {
  it("matches brute force for every filter, with exclusions", async () => {
    const all = points(3000);
    const store = new EmbeddedVectorStore();
    await store.ensureCollection("mv", dim);
    await store.upsert("mv", all);
    const r = seededRandom(99);
    for (const filter of filters) {
      for (let t = 0; t < 5; t++) {
        const q = unit(r);
        const exclude = t % 2 ? ["p1", "p2", brute(all, q, 1, filter)[0]?.id ?? "p3"] : [];
        const hits = await store.search("mv", q, { kind: "IMAGE", k: 10, filter, excludeTargetIds: exclude });
        const want = brute(all, q, 10, filter, exclude);
        expect(hits.map((h) => h.payload.targetId)).toEqual(want.map((w) => w.id));
        for (const [i, h] of hits.entries()) expect(h.score).toBeCloseTo(want[i]?.s as number, 6);
        for (const h of hits) expect(h.payload).toEqual(all[Number(h.payload.targetId.slice(1))]?.payload);
      }
    }
  });

  it("stays exact after updates and deletes that move rows", async () => {
    const all = points(1200, 5);
    const store = new EmbeddedVectorStore();
    await store.ensureCollection("mv", dim);
    await store.upsert("mv", all);
    const r = seededRandom(7);
    // Update a few in place (new vector and payload), delete others (the last rows move into their slots).
    const updated = [10, 500, 1199].map((i) => ({
      vector: unit(r),
      payload: { ...(all[i] as VectorPoint).payload, modality: "CT" as const, dataset: "updated" },
    }));
    await store.upsert("mv", updated);
    for (const u of updated) all[Number(u.payload.targetId.slice(1))] = u;
    const removed = ["p0", "p3", "p1198", "p600"];
    await store.delete("mv", "IMAGE", removed);
    const remaining = all.filter((p) => !removed.includes(p.payload.targetId));
    expect(await store.count("mv", "IMAGE")).toBe(remaining.length);
    for (const filter of [undefined, { datasets: ["updated"] }, { modalities: ["CT" as const] }]) {
      const q = unit(r);
      const hits = await store.search("mv", q, { kind: "IMAGE", k: 8, filter });
      expect(hits.map((h) => h.payload.targetId)).toEqual(brute(remaining, q, 8, filter).map((w) => w.id));
    }
  });

  it("refuses vectors of the wrong dimension", async () => {
    const store = new EmbeddedVectorStore();
    await store.ensureCollection("mv", dim);
    await expect(store.upsert("mv", [{ vector: new Float32Array(3), payload: points(1)[0]!.payload }])).rejects.toMatchObject({
      code: "MODEL_MISMATCH",
    });
    await expect(store.search("mv", new Float32Array(3), { kind: "IMAGE", k: 1 })).rejects.toMatchObject({ code: "MODEL_MISMATCH" });
  });
});
