// Qdrant as the production store: one collection per model version behind an alias, payload
// indexes on every filter field, batched upserts with retries, blue/green rebuilds by alias swap.
// API replicas keep no state of their own, so any number of them can serve the same collections.
import { createHash } from "node:crypto";
import type { EmbeddingKind } from "@medcap/db";
import { QdrantClient } from "@qdrant/js-client-rest";
import { MedcapError } from "../core/errors.js";
import type { SearchFilter } from "../search/search.types.js";
import { pointKey, type PointPayload, type SearchRequest, type VectorHit, type VectorPoint, type VectorStore } from "./vector.store.js";

const FILTER_FIELDS = ["kind", "targetId", "caseId", "dataset", "split", "modality", "plane", "locationCategory"] as const;
const UPSERT_BATCH = 256;

/** Qdrant ids must be unsigned integers or UUIDs: derive a stable UUID from the point key. */
export function pointUuid(kind: EmbeddingKind, targetId: string): string {
  const h = createHash("sha256").update(pointKey(kind, targetId)).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

type Condition = { key: string; match: { value: string } | { any: string[] } };

export function toQdrantFilter(kind: EmbeddingKind, f: SearchFilter | undefined, excludeTargetIds: string[] = []) {
  const must: Condition[] = [{ key: "kind", match: { value: kind } }];
  const any = (key: string, values: readonly string[] | undefined) => {
    if (values?.length) must.push({ key, match: { any: [...values] } });
  };
  any("dataset", f?.datasets);
  any("split", f?.splits);
  any("modality", f?.modalities);
  any("plane", f?.planes);
  any("locationCategory", f?.locationCategories);
  any("caseId", f?.caseIds);
  const mustNot: Condition[] = [];
  if (f?.excludeCaseIds?.length) mustNot.push({ key: "caseId", match: { any: [...f.excludeCaseIds] } });
  if (excludeTargetIds.length) mustNot.push({ key: "targetId", match: { any: excludeTargetIds } });
  return { must, ...(mustNot.length ? { must_not: mustNot } : {}) };
}

async function withRetries<T>(what: string, fn: () => Promise<T>, attempts = 4): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200 * 2 ** i));
    }
  }
  throw new MedcapError("INTERNAL_SERVER_ERROR", `qdrant ${what} failed after ${attempts} attempts: ${(last as Error).message}`);
}

export class QdrantVectorStore implements VectorStore {
  readonly name = "qdrant" as const;
  private readonly client: QdrantClient;

  constructor(
    url: string,
    apiKey?: string,
    private readonly prefix = "medcap",
  ) {
    this.client = new QdrantClient({ url, ...(apiKey ? { apiKey } : {}), checkCompatibility: false });
  }

  private alias(modelVersionId: string) {
    return `${this.prefix}_${modelVersionId}`;
  }

  private async aliasTarget(modelVersionId: string): Promise<string | undefined> {
    const { aliases } = await this.client.getAliases();
    return aliases.find((a) => a.alias_name === this.alias(modelVersionId))?.collection_name;
  }

  private async createPhysical(dim: number): Promise<string> {
    const name = `${this.prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    await this.client.createCollection(name, { vectors: { size: dim, distance: "Cosine" } });
    for (const field of FILTER_FIELDS) {
      await this.client.createPayloadIndex(name, { field_name: field, field_schema: "keyword", wait: true });
    }
    return name;
  }

  async ensureCollection(modelVersionId: string, dim: number): Promise<void> {
    const target = await this.aliasTarget(modelVersionId);
    if (target) {
      const info = await this.client.getCollection(target);
      const size = (info.config.params.vectors as { size?: number } | undefined)?.size;
      if (size !== undefined && size !== dim) {
        throw new MedcapError("MODEL_MISMATCH", `qdrant collection ${target} holds ${size}-d vectors, not ${dim}`);
      }
      return;
    }
    const physical = await this.createPhysical(dim);
    await this.client.updateCollectionAliases({
      actions: [{ create_alias: { collection_name: physical, alias_name: this.alias(modelVersionId) } }],
    });
  }

  async dropCollection(modelVersionId: string): Promise<void> {
    const target = await this.aliasTarget(modelVersionId);
    if (!target) return;
    await this.client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: this.alias(modelVersionId) } }] });
    await this.client.deleteCollection(target);
  }

  private async upsertInto(collection: string, points: VectorPoint[]): Promise<void> {
    for (let i = 0; i < points.length; i += UPSERT_BATCH) {
      const chunk = points.slice(i, i + UPSERT_BATCH).map((p) => ({
        id: pointUuid(p.payload.kind, p.payload.targetId),
        vector: Array.from(p.vector),
        payload: { ...p.payload },
      }));
      await withRetries("upsert", () => this.client.upsert(collection, { wait: true, points: chunk }));
    }
  }

  async upsert(modelVersionId: string, points: VectorPoint[]): Promise<void> {
    await this.upsertInto(this.alias(modelVersionId), points);
  }

  async delete(modelVersionId: string, kind: EmbeddingKind, targetIds: string[]): Promise<void> {
    if (!targetIds.length) return;
    await withRetries("delete", () =>
      this.client.delete(this.alias(modelVersionId), { wait: true, points: targetIds.map((id) => pointUuid(kind, id)) }),
    );
  }

  async search(modelVersionId: string, vector: Float32Array, request: SearchRequest): Promise<VectorHit[]> {
    const hits = await this.client.search(this.alias(modelVersionId), {
      vector: Array.from(vector),
      limit: request.k,
      filter: toQdrantFilter(request.kind, request.filter, request.excludeTargetIds),
      with_payload: true,
      params: { exact: false },
    });
    return hits.map((h) => ({ score: h.score, payload: h.payload as unknown as PointPayload }));
  }

  async count(modelVersionId: string, kind?: EmbeddingKind): Promise<number> {
    const filter = kind ? { must: [{ key: "kind", match: { value: kind } }] } : undefined;
    const r = await this.client.count(this.alias(modelVersionId), { exact: true, ...(filter ? { filter } : {}) });
    return r.count;
  }

  async rebuild(modelVersionId: string, dim: number, points: AsyncIterable<VectorPoint[]>): Promise<void> {
    // Blue/green: fill a new collection, then move the alias in one atomic operation.
    const old = await this.aliasTarget(modelVersionId);
    const fresh = await this.createPhysical(dim);
    try {
      for await (const batch of points) await this.upsertInto(fresh, batch);
    } catch (err) {
      await this.client.deleteCollection(fresh).catch(() => {});
      throw err;
    }
    const alias = this.alias(modelVersionId);
    await this.client.updateCollectionAliases({
      actions: [...(old ? [{ delete_alias: { alias_name: alias } }] : []), { create_alias: { collection_name: fresh, alias_name: alias } }],
    });
    if (old) await this.client.deleteCollection(old).catch(() => {});
  }

  async ready(): Promise<boolean> {
    try {
      await this.client.getCollections();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {}
}
