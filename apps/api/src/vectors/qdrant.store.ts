// Qdrant as the production store: one collection per model version behind an alias, payload
// indexes on every filter field, batched upserts with retries, blue/green rebuilds by alias swap.
// API replicas keep no state of their own, so any number of them can serve the same collections.
//
// Failures are typed at this edge: Qdrant unreachable (refused, reset, timed out, 5xx) becomes
// SERVICE_UNAVAILABLE, which the API answers as such and /readyz reports, and every call opens its
// own request, so service resumes by itself when Qdrant is back. A collection missing under its
// alias is SERVICE_UNAVAILABLE too: the store must be rebuilt from Postgres before it can answer.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { EmbeddingKind } from "@medcap/db";
import { QdrantClient } from "@qdrant/js-client-rest";
import { MedcapError } from "../core/errors.js";
import type { SearchFilter } from "./vector.store.js";
import {
  pointKey,
  type PointPayload,
  type SearchRequest,
  type StoredEntry,
  type VectorHit,
  type VectorPoint,
  type VectorStore,
} from "./vector.store.js";

const FILTER_FIELDS = ["kind", "targetId", "caseId", "dataset", "split", "modality", "plane", "locationCategory"] as const;
const UPSERT_BATCH = 256;

export interface QdrantStoreOptions {
  apiKey?: string;
  /** Prefix of alias and collection names, so tests and benchmarks never touch the real ones. */
  prefix?: string;
  /**
   * Collections of at most this many points are searched exactly (`params.exact`), so a
   * MedPix-sized catalogue gets the embedded store's exact answers; larger ones use HNSW.
   */
  exactMaxPoints?: number;
  /** HNSW beam width at query time for approximate search (Qdrant's default is ef_construct, 100). */
  hnswEf?: number;
  /** Per-request timeout; the client's own default is five minutes, far beyond any caller's patience. */
  timeoutMs?: number;
}

export const QDRANT_EXACT_MAX_POINTS = 20_000;

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

/** The HTTP status Qdrant answered with, or undefined when it did not answer at all. */
function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === "number") return status;
  const m = /Unexpected Response: (\d{3})/.exec((err as Error | null)?.message ?? "");
  return m ? Number(m[1]) : undefined;
}

/** Refused, reset, timed out or a 5xx: Qdrant cannot serve right now (as opposed to a bad request). */
export function isUnavailable(err: unknown): boolean {
  const status = statusOf(err);
  return status === undefined || status >= 500;
}

/** undici's errors for a pooled connection the server had already closed (not a refused or timed-out one). */
function isStaleSocket(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } } | null)?.cause?.code;
  return code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_CLOSED";
}

const unavailable = (what: string, err: unknown) =>
  new MedcapError(
    "SERVICE_UNAVAILABLE",
    `the vector store (Qdrant) is unavailable: ${what} failed: ${describe(err)}`,
    { store: "qdrant" },
    { cause: err },
  );

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } } | null;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${(e?.message ?? String(err)).split("\n")[0]}${cause ? ` (${cause})` : ""}`;
}

/** Maps a failed call to a domain error: unreachable → SERVICE_UNAVAILABLE, anything else → internal. */
function domainError(what: string, err: unknown): MedcapError {
  if (err instanceof MedcapError) return err;
  if (isUnavailable(err)) return unavailable(what, err);
  return new MedcapError("INTERNAL_SERVER_ERROR", `qdrant ${what} failed: ${describe(err)}`, {}, { cause: err });
}

export class QdrantVectorStore implements VectorStore {
  readonly name = "qdrant" as const;
  private readonly client: QdrantClient;
  private readonly prefix: string;
  private readonly exactMaxPoints: number;
  private readonly hnswEf: number;
  /** Points per collection, to choose exact or HNSW search without asking on every query. */
  private readonly sizes = new Map<string, { points: number; at: number }>();

  constructor(
    readonly url: string,
    options: QdrantStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? "medcap";
    this.exactMaxPoints = options.exactMaxPoints ?? QDRANT_EXACT_MAX_POINTS;
    this.hnswEf = options.hnswEf ?? 128;
    // The client's own compatibility check is a fire-and-forget console.warn at construction
    // (and a second warning whenever Qdrant is down at that moment); serverVersion() below runs
    // the same check on demand and reports it through our logger and `medcap info` instead.
    this.client = new QdrantClient({
      url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      timeout: options.timeoutMs ?? 30_000,
      checkCompatibility: false,
    });
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        // A keep-alive connection the server closed as we reused it: the request never ran; send it again.
        if (attempt < 3 && isStaleSocket(err)) continue;
        throw domainError(what, err);
      }
    }
  }

  private async withRetries<T>(what: string, fn: () => Promise<T>, attempts = 4): Promise<T> {
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        return await fn();
      } catch (err) {
        last = err;
        if (!isUnavailable(err)) break; // a bad request stays bad: do not retry it
        if (i < attempts - 1) await new Promise((r) => setTimeout(r, 200 * 2 ** i));
      }
    }
    throw domainError(`${what} (after retries)`, last);
  }

  private alias(modelVersionId: string) {
    return `${this.prefix}_${modelVersionId}`;
  }

  private async aliasTarget(modelVersionId: string): Promise<string | undefined> {
    const { aliases } = await this.call("list aliases", () => this.client.getAliases());
    return aliases.find((a) => a.alias_name === this.alias(modelVersionId))?.collection_name;
  }

  private async createPhysical(dim: number): Promise<string> {
    const name = `${this.prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    await this.call("create collection", async () => {
      await this.client.createCollection(name, { vectors: { size: dim, distance: "Cosine" } });
      for (const field of FILTER_FIELDS) {
        await this.client.createPayloadIndex(name, { field_name: field, field_schema: "keyword", wait: true });
      }
    });
    return name;
  }

  async ensureCollection(modelVersionId: string, dim: number): Promise<void> {
    const target = await this.aliasTarget(modelVersionId);
    if (target) {
      const info = await this.call("read collection", () => this.client.getCollection(target));
      const size = (info.config.params.vectors as { size?: number } | undefined)?.size;
      if (size !== undefined && size !== dim) {
        throw new MedcapError("MODEL_MISMATCH", `qdrant collection ${target} holds ${size}-d vectors, not ${dim}`);
      }
      return;
    }
    const physical = await this.createPhysical(dim);
    await this.call("create alias", () =>
      this.client.updateCollectionAliases({
        actions: [{ create_alias: { collection_name: physical, alias_name: this.alias(modelVersionId) } }],
      }),
    );
    this.sizes.delete(this.alias(modelVersionId));
  }

  async dropCollection(modelVersionId: string): Promise<void> {
    const target = await this.aliasTarget(modelVersionId);
    this.sizes.delete(this.alias(modelVersionId));
    if (!target) return;
    await this.call("drop collection", async () => {
      await this.client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: this.alias(modelVersionId) } }] });
      await this.client.deleteCollection(target);
    });
  }

  private async upsertInto(collection: string, points: VectorPoint[]): Promise<void> {
    for (let i = 0; i < points.length; i += UPSERT_BATCH) {
      const chunk = points.slice(i, i + UPSERT_BATCH).map((p) => ({
        id: pointUuid(p.payload.kind, p.payload.targetId),
        vector: Array.from(p.vector),
        payload: { ...p.payload },
      }));
      await this.withRetries("upsert", () => this.client.upsert(collection, { wait: true, points: chunk }));
    }
  }

  async upsert(modelVersionId: string, points: VectorPoint[]): Promise<void> {
    await this.upsertInto(this.alias(modelVersionId), points);
    this.sizes.delete(this.alias(modelVersionId));
  }

  async delete(modelVersionId: string, kind: EmbeddingKind, targetIds: string[]): Promise<void> {
    if (!targetIds.length) return;
    await this.withRetries("delete", () =>
      this.client.delete(this.alias(modelVersionId), { wait: true, points: targetIds.map((id) => pointUuid(kind, id)) }),
    );
    this.sizes.delete(this.alias(modelVersionId));
  }

  /** Points in the collection behind the alias, re-read at most every 30 s (it decides exact search). */
  private async points(alias: string): Promise<number> {
    const cached = this.sizes.get(alias);
    if (cached && Date.now() - cached.at < 30_000) return cached.points;
    const info = await this.client.getCollection(alias);
    const points = info.points_count ?? 0;
    this.sizes.set(alias, { points, at: Date.now() });
    return points;
  }

  /** Whether searches of this model version run exactly (brute force) rather than through HNSW. */
  async searchesExactly(modelVersionId: string): Promise<boolean> {
    return this.call("read collection", async () => (await this.points(this.alias(modelVersionId))) <= this.exactMaxPoints);
  }

  async search(modelVersionId: string, vector: Float32Array, request: SearchRequest): Promise<VectorHit[]> {
    if (request.k <= 0) return [];
    const alias = this.alias(modelVersionId);
    return this.call("search", async () => {
      try {
        const exact = (await this.points(alias)) <= this.exactMaxPoints;
        const hits = await this.client.search(alias, {
          vector: Array.from(vector),
          limit: request.k,
          filter: toQdrantFilter(request.kind, request.filter, request.excludeTargetIds),
          with_payload: true,
          params: exact ? { exact: true } : { exact: false, hnsw_ef: Math.max(this.hnswEf, request.k) },
        });
        return hits.map((h) => ({ score: h.score, payload: h.payload as unknown as PointPayload }));
      } catch (err) {
        if (statusOf(err) === 404) {
          this.sizes.delete(alias);
          throw new MedcapError(
            "SERVICE_UNAVAILABLE",
            `the vector store (Qdrant) has no collection for model version ${modelVersionId}; it is rebuilt from Postgres at start-up or by medcap index`,
            { store: "qdrant", modelVersionId },
          );
        }
        throw err;
      }
    });
  }

  async count(modelVersionId: string, kind?: EmbeddingKind): Promise<number> {
    const filter = kind ? { must: [{ key: "kind", match: { value: kind } }] } : undefined;
    return this.call("count", async () => {
      try {
        const r = await this.client.count(this.alias(modelVersionId), { exact: true, ...(filter ? { filter } : {}) });
        return r.count;
      } catch (err) {
        if (statusOf(err) === 404) return 0; // no collection under the alias: nothing stored, as in the embedded store
        throw err;
      }
    });
  }

  async *entries(modelVersionId: string, kind: EmbeddingKind): AsyncGenerator<StoredEntry[]> {
    const alias = this.alias(modelVersionId);
    let offset: string | number | undefined;
    for (;;) {
      const page = await this.call("scroll", async () => {
        try {
          return await this.client.scroll(alias, {
            filter: { must: [{ key: "kind", match: { value: kind } }] },
            with_payload: ["targetId"],
            with_vector: true,
            limit: 512,
            ...(offset !== undefined ? { offset } : {}),
          });
        } catch (err) {
          if (statusOf(err) === 404) return undefined; // no collection: nothing stored
          throw err;
        }
      });
      if (!page) return;
      yield page.points.map((p) => ({
        targetId: String((p.payload as { targetId?: unknown } | null | undefined)?.targetId ?? ""),
        vector: Float32Array.from(p.vector as number[]),
      }));
      const next = page.next_page_offset;
      if (next === null || next === undefined || typeof next === "object") return;
      offset = next;
    }
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
    await this.call("swap alias", () =>
      this.client.updateCollectionAliases({
        actions: [
          ...(old ? [{ delete_alias: { alias_name: alias } }] : []),
          { create_alias: { collection_name: fresh, alias_name: alias } },
        ],
      }),
    );
    this.sizes.delete(alias);
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

  /**
   * The server's version and whether this client accepts it (same major, minors at most one apart:
   * the rule of @qdrant/js-client-rest's own check, which this replaces; see the constructor).
   */
  async serverVersion(): Promise<{ server: string; client: string; compatible: boolean }> {
    const info = await this.call("read version", () => this.client.versionInfo());
    const client = CLIENT_VERSION;
    const [sMaj, sMin] = info.version.split(".").map(Number);
    const [cMaj, cMin] = client.split(".").map(Number);
    const compatible = sMaj === cMaj && Math.abs((sMin ?? 0) - (cMin ?? 0)) <= 1;
    return { server: info.version, client, compatible };
  }

  async close(): Promise<void> {}
}

/** The installed @qdrant/js-client-rest version (its package exports no version, so read its package.json). */
export const CLIENT_VERSION: string = (() => {
  const entry = createRequire(import.meta.url).resolve("@qdrant/js-client-rest");
  const pkg = path.join(entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`)), "package.json");
  return (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
})();
