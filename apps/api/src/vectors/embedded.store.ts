// The default store: exact cosine search in process. Vectors are L2-normalised by the encoders,
// so cosine is a dot product over one contiguous Float32Array per kind.
import type { EmbeddingKind } from "@medcap/db";
import { MedcapError } from "../core/errors.js";
import {
  matchesFilter,
  pointKey,
  type PointPayload,
  type SearchRequest,
  type VectorHit,
  type VectorPoint,
  type VectorStore,
} from "./vector.store.js";

class KindIndex {
  data: Float32Array;
  payloads: PointPayload[] = [];
  slots = new Map<string, number>();
  size = 0;

  constructor(readonly dim: number) {
    this.data = new Float32Array(dim * 256);
  }

  upsert(p: VectorPoint) {
    if (p.vector.length !== this.dim) {
      throw new MedcapError("MODEL_MISMATCH", `vector has ${p.vector.length} dimensions, the collection ${this.dim}`);
    }
    const key = p.payload.targetId;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.size++;
      if (this.size * this.dim > this.data.length) {
        const grown = new Float32Array(Math.max(this.data.length * 2, this.size * this.dim));
        grown.set(this.data);
        this.data = grown;
      }
      this.slots.set(key, slot);
    }
    this.data.set(p.vector, slot * this.dim);
    this.payloads[slot] = p.payload;
  }

  delete(targetId: string) {
    const slot = this.slots.get(targetId);
    if (slot === undefined) return;
    // Move the last point into the freed slot so the array stays dense.
    const last = --this.size;
    if (slot !== last) {
      this.data.copyWithin(slot * this.dim, last * this.dim, (last + 1) * this.dim);
      const moved = this.payloads[last] as PointPayload;
      this.payloads[slot] = moved;
      this.slots.set(moved.targetId, slot);
    }
    this.payloads.length = this.size;
    this.slots.delete(targetId);
  }

  search(q: Float32Array, req: SearchRequest): VectorHit[] {
    const { dim, data } = this;
    const exclude = req.excludeTargetIds?.length ? new Set(req.excludeTargetIds) : undefined;
    // Keep the k best in a small sorted array: k is tiny compared to the number of points.
    const best: { score: number; slot: number }[] = [];
    for (let s = 0; s < this.size; s++) {
      const payload = this.payloads[s] as PointPayload;
      if (req.filter && !matchesFilter(payload, req.filter)) continue;
      if (exclude?.has(payload.targetId)) continue;
      let dot = 0;
      const off = s * dim;
      for (let i = 0; i < dim; i++) dot += (q[i] as number) * (data[off + i] as number);
      if (best.length < req.k) {
        best.push({ score: dot, slot: s });
        best.sort((a, b) => b.score - a.score);
      } else if (dot > (best[best.length - 1] as { score: number }).score) {
        best[best.length - 1] = { score: dot, slot: s };
        best.sort((a, b) => b.score - a.score);
      }
    }
    return best.map((b) => ({ score: b.score, payload: this.payloads[b.slot] as PointPayload }));
  }
}

export class EmbeddedVectorStore implements VectorStore {
  readonly name = "embedded" as const;
  private readonly collections = new Map<string, { dim: number; kinds: Map<EmbeddingKind, KindIndex> }>();

  async ensureCollection(modelVersionId: string, dim: number): Promise<void> {
    const existing = this.collections.get(modelVersionId);
    if (existing && existing.dim !== dim) {
      throw new MedcapError("MODEL_MISMATCH", `collection for ${modelVersionId} holds ${existing.dim}-d vectors, not ${dim}`);
    }
    if (!existing) this.collections.set(modelVersionId, { dim, kinds: new Map() });
  }

  async dropCollection(modelVersionId: string): Promise<void> {
    this.collections.delete(modelVersionId);
  }

  private kind(modelVersionId: string, kind: EmbeddingKind): KindIndex {
    const c = this.collections.get(modelVersionId);
    if (!c) throw new MedcapError("INTERNAL_SERVER_ERROR", `no vector collection for model version ${modelVersionId}`);
    let index = c.kinds.get(kind);
    if (!index) c.kinds.set(kind, (index = new KindIndex(c.dim)));
    return index;
  }

  async upsert(modelVersionId: string, points: VectorPoint[]): Promise<void> {
    for (const p of points) this.kind(modelVersionId, p.payload.kind).upsert(p);
  }

  async delete(modelVersionId: string, kind: EmbeddingKind, targetIds: string[]): Promise<void> {
    const index = this.kind(modelVersionId, kind);
    for (const id of targetIds) index.delete(id);
  }

  async search(modelVersionId: string, vector: Float32Array, request: SearchRequest): Promise<VectorHit[]> {
    if (request.k <= 0) return [];
    return this.kind(modelVersionId, request.kind).search(vector, request);
  }

  async count(modelVersionId: string, kind?: EmbeddingKind): Promise<number> {
    const c = this.collections.get(modelVersionId);
    if (!c) return 0;
    let n = 0;
    for (const [k, index] of c.kinds) if (!kind || k === kind) n += index.size;
    return n;
  }

  async rebuild(modelVersionId: string, dim: number, points: AsyncIterable<VectorPoint[]>): Promise<void> {
    // Build aside, then swap: searches keep using the old index until the new one is complete.
    const fresh = new EmbeddedVectorStore();
    await fresh.ensureCollection(modelVersionId, dim);
    for await (const batch of points) await fresh.upsert(modelVersionId, batch);
    const built = fresh.collections.get(modelVersionId);
    if (built) this.collections.set(modelVersionId, built);
  }

  async ready(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.collections.clear();
  }
}

export { pointKey };
