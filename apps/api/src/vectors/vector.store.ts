// One interface for every vector store. Postgres (the Embedding table) is the source of truth;
// a store is derived from it and can always be rebuilt.
import type { EmbeddingKind, ModalityType, Split } from "@medcap/db";

export interface PointPayload {
  kind: EmbeddingKind;
  /** Image id for IMAGE points, caption id for CAPTION points. */
  targetId: string;
  imageId: string;
  caseId: string;
  dataset: string;
  split: Split;
  modality: ModalityType;
  plane: string | null;
  locationCategory: string | null;
}

/** Filters on a point's payload (what a search may return); every field is optional and fields combine with AND, values within a field with OR. */
export interface SearchFilter {
  datasets?: string[];
  splits?: Split[];
  modalities?: ModalityType[];
  planes?: string[];
  locationCategories?: string[];
  caseIds?: string[];
  excludeCaseIds?: string[];
}

export interface VectorPoint {
  vector: Float32Array;
  payload: PointPayload;
}

export interface VectorHit {
  score: number;
  payload: PointPayload;
}

export interface SearchRequest {
  kind: EmbeddingKind;
  k: number;
  filter?: SearchFilter;
  /** Target ids never returned (e.g. the query image itself). */
  excludeTargetIds?: string[];
}

/** One stored point as `medcap verify` compares it with Postgres. */
export interface StoredEntry {
  targetId: string;
  vector: Float32Array;
}

export interface VectorStore {
  readonly name: "embedded" | "qdrant";
  /** Creates the collection of one model version if missing (dimension checked). */
  ensureCollection(modelVersionId: string, dim: number): Promise<void>;
  dropCollection(modelVersionId: string): Promise<void>;
  upsert(modelVersionId: string, points: VectorPoint[]): Promise<void>;
  delete(modelVersionId: string, kind: EmbeddingKind, targetIds: string[]): Promise<void>;
  search(modelVersionId: string, vector: Float32Array, request: SearchRequest): Promise<VectorHit[]>;
  count(modelVersionId: string, kind?: EmbeddingKind): Promise<number>;
  /** Every point of one kind, in batches (nothing when the collection does not exist). */
  entries(modelVersionId: string, kind: EmbeddingKind): AsyncIterable<StoredEntry[]>;
  /** Replaces a collection's whole content atomically for readers (blue/green where supported). */
  rebuild(modelVersionId: string, dim: number, points: AsyncIterable<VectorPoint[]>): Promise<void>;
  ready(): Promise<boolean>;
  /** Stores made of several servers (a Qdrant cluster): peers, shards and replica states. */
  clusterHealth?(modelVersionId?: string): Promise<StoreClusterHealth>;
  close(): Promise<void>;
}

/** What /readyz and `medcap info` need of a clustered store's health (see QdrantClusterHealth). */
export interface StoreClusterHealth {
  status: "ok" | "degraded" | "down";
  distributed: boolean;
  problems: string[];
}

/** The id of a point in a store: kind and target id together are unique per model version. */
export const pointKey = (kind: EmbeddingKind, targetId: string) => `${kind}:${targetId}`;

export function matchesFilter(p: PointPayload, f: SearchFilter | undefined): boolean {
  if (!f) return true;
  if (f.datasets?.length && !f.datasets.includes(p.dataset)) return false;
  if (f.splits?.length && !f.splits.includes(p.split)) return false;
  if (f.modalities?.length && !f.modalities.includes(p.modality)) return false;
  if (f.planes?.length && (p.plane === null || !f.planes.includes(p.plane))) return false;
  if (f.locationCategories?.length && (p.locationCategory === null || !f.locationCategories.includes(p.locationCategory))) return false;
  if (f.caseIds?.length && !f.caseIds.includes(p.caseId)) return false;
  if (f.excludeCaseIds?.length && f.excludeCaseIds.includes(p.caseId)) return false;
  return true;
}

export function vectorToBytes(v: Float32Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(v.byteLength);
  out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return out;
}

export function bytesToVector(bytes: Uint8Array): Float32Array {
  // Copy: Prisma's Bytes may not be 4-byte aligned.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
