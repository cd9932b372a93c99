// Adds vector search time to the current request's stage timings (medcap bench); otherwise a pass-through.
import type { EmbeddingKind } from "@medcap/db";
import { timed } from "../core/stage.timer.js";
import type { SearchRequest, VectorHit, VectorPoint, VectorStore } from "./vector.store.js";

export class TimedVectorStore implements VectorStore {
  constructor(private readonly inner: VectorStore) {}

  get name() {
    return this.inner.name;
  }
  ensureCollection(modelVersionId: string, dim: number) {
    return this.inner.ensureCollection(modelVersionId, dim);
  }
  dropCollection(modelVersionId: string) {
    return this.inner.dropCollection(modelVersionId);
  }
  upsert(modelVersionId: string, points: VectorPoint[]) {
    return this.inner.upsert(modelVersionId, points);
  }
  delete(modelVersionId: string, kind: EmbeddingKind, targetIds: string[]) {
    return this.inner.delete(modelVersionId, kind, targetIds);
  }
  search(modelVersionId: string, vector: Float32Array, request: SearchRequest): Promise<VectorHit[]> {
    return timed("vectorSearch", () => this.inner.search(modelVersionId, vector, request));
  }
  count(modelVersionId: string, kind?: EmbeddingKind) {
    return this.inner.count(modelVersionId, kind);
  }
  entries(modelVersionId: string, kind: EmbeddingKind) {
    return this.inner.entries(modelVersionId, kind);
  }
  rebuild(modelVersionId: string, dim: number, points: AsyncIterable<VectorPoint[]>) {
    return this.inner.rebuild(modelVersionId, dim, points);
  }
  ready() {
    return this.inner.ready();
  }
  get clusterHealth() {
    return this.inner.clusterHealth?.bind(this.inner);
  }
  close() {
    return this.inner.close();
  }
}
