// Qdrant as the production store: one collection per model version behind an alias, payload
// indexes on every filter field, batched upserts with retries, blue/green rebuilds by alias swap.
// API replicas keep no state of their own, so any number of them can serve the same collections.
//
// Failures are typed at this edge: Qdrant unreachable (refused, reset, timed out, 5xx) becomes
// SERVICE_UNAVAILABLE, which the API answers as such and /readyz reports, and every call opens its
// own request, so service resumes by itself when Qdrant is back. A collection missing under its
// alias is SERVICE_UNAVAILABLE too: the store must be rebuilt from Postgres before it can answer.
//
// A cluster (issue #28): `urls` lists several peers of one Qdrant cluster. Every peer answers for
// the whole cluster (it forwards to the peers holding each shard), so the store talks to one peer at
// a time: the first that answers, and on a connection error (refused, reset, timed out) or a 5xx the
// next, each peer at most once per attempt. Writes and searches then retry the whole round a few
// times with backoff, which covers the seconds in which the cluster notices a lost peer.
//
// Consistency, chosen on purpose:
// - writes are sent with `wait: true` (acknowledged only once applied, so what Postgres committed
//   and the API answered is searchable) and `ordering: medium` (every write of a shard goes through
//   that shard's current leader replica, so two API replicas editing the same caption cannot leave
//   the copies of a point disagreeing; `strong` would refuse writes while the fixed leader's peer is
//   down, which is exactly the case a cluster is for). `write_consistency_factor` (default 1) is
//   how many copies must apply a write before it is acknowledged.
// - searches ask `readConsistency` replicas of each shard (default 1: any live copy, the fastest and
//   the one that keeps answering with a peer down). A copy may trail an acknowledged write by
//   milliseconds when write consistency is below the replication factor; MedCap hydrates every hit
//   from Postgres, so such a window can only make a just-written point miss one search, never show
//   stale text. Set MEDCAP_QDRANT_READ_CONSISTENCY=all (or write consistency = replication factor)
//   for read-your-writes at the price of a failed search while a peer is lost and not yet marked dead.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { EmbeddingKind } from "@medcap/db";
import { QdrantClient } from "@qdrant/js-client-rest";
import type { QdrantLayout, QdrantReadConsistency } from "../config/config.js";
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
  /** Shards, copies and write acknowledgements of collections this store creates (default: 1, 1, 1). */
  layout?: QdrantLayout;
  /** Replicas of each shard a search asks (default 1). */
  readConsistency?: QdrantReadConsistency;
  /** Retries (with backoff) of a search after every peer failed once (default 2). */
  searchRetries?: number;
  /**
   * Failback: while calls go to another peer than the first in `urls`, the first is probed (its
   * /readyz, in the background, at most this often) and calls move back to it once it is ready.
   * Default 10 s; 0 never moves back.
   */
  failbackMs?: number;
}

/** One replica of one shard as the cluster reports it, with whether its peer answers. */
export interface ShardReplica {
  peerId: number;
  state: string;
  peerReachable: boolean;
}

/** The cluster as `medcap info` and /readyz show it. */
export interface QdrantClusterHealth {
  /** ok: every replica active; degraded: a replica (or a configured peer) is lost but every shard answers; down: a shard has no live replica, or no peer answers. */
  status: "ok" | "degraded" | "down";
  /** Whether Qdrant runs in distributed mode (false: one server; shards and peers are then trivial). */
  distributed: boolean;
  /** The configured URLs and whether each answered (and its peer id in the cluster). */
  configured: { url: string; reachable: boolean; peerId?: number }[];
  /** Peers of the cluster (consensus view) by id. */
  peers: { id: number; uri: string }[];
  collection?: string;
  shards: { id: number; replicas: ShardReplica[] }[];
  transfers: number;
  /** Plain reasons behind a degraded or down status. */
  problems: string[];
}

export const QDRANT_EXACT_MAX_POINTS = 20_000;
/** How old an unaliased collection of ours must be before a rebuild drops it as an orphan (a day). */
export const ORPHAN_AGE_MS = 24 * 3600_000;

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
  // Ours (a collection missing under its alias): another peer or a retry would answer the same.
  if (err instanceof MedcapError) return false;
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

interface Peer {
  url: string;
  client: QdrantClient;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class QdrantVectorStore implements VectorStore {
  readonly name = "qdrant" as const;
  /** The first configured peer (the only one for a single server). */
  readonly url: string;
  readonly urls: readonly string[];
  private readonly peers: Peer[];
  /** Index of the peer that answered last: calls start there, so a lost peer costs one failed connect. */
  private current = 0;
  private readonly failbackMs: number;
  private readonly apiKey: string | undefined;
  /** When the first peer may next be probed for failback, and whether a probe is in flight. */
  private failbackAt = 0;
  private probing = false;
  private readonly layout: QdrantLayout;
  private readonly readConsistency: QdrantReadConsistency;
  private readonly searchRetries: number;
  private readonly prefix: string;
  private readonly exactMaxPoints: number;
  private readonly hnswEf: number;
  /** Points per collection, to choose exact or HNSW search without asking on every query. */
  private readonly sizes = new Map<string, { points: number; at: number }>();

  constructor(urls: string | readonly string[], options: QdrantStoreOptions = {}) {
    this.urls = typeof urls === "string" ? [urls] : [...urls];
    if (!this.urls.length) throw new MedcapError("BAD_USER_INPUT", "QdrantVectorStore needs at least one URL");
    this.url = this.urls[0] as string;
    this.layout = options.layout ?? { shards: 1, replicationFactor: 1, writeConsistency: 1 };
    this.readConsistency = options.readConsistency ?? 1;
    this.searchRetries = options.searchRetries ?? 2;
    this.prefix = options.prefix ?? "medcap";
    this.exactMaxPoints = options.exactMaxPoints ?? QDRANT_EXACT_MAX_POINTS;
    this.hnswEf = options.hnswEf ?? 128;
    this.failbackMs = options.failbackMs ?? 10_000;
    this.apiKey = options.apiKey;
    // The client's own compatibility check is a fire-and-forget console.warn at construction
    // (and a second warning whenever Qdrant is down at that moment); serverVersion() below runs
    // the same check on demand and reports it through our logger and `medcap info` instead.
    this.peers = this.urls.map((url) => ({
      url,
      client: new QdrantClient({
        url,
        ...(options.apiKey ? { apiKey: options.apiKey } : {}),
        timeout: options.timeoutMs ?? 30_000,
        checkCompatibility: false,
      }),
    }));
  }

  /** The peer calls go to now (the last one that answered). */
  get currentUrl(): string {
    return this.peers[this.current]?.url ?? this.url;
  }

  /**
   * Runs `fn` against the current peer and, when it cannot be reached (or answers 5xx), against each
   * other peer once, in order. The request is idempotent wherever this is used for writes (upserts
   * and deletes by id), so sending it again to another peer is safe.
   */
  private async onAnyPeer<T>(fn: (client: QdrantClient) => Promise<T>): Promise<T> {
    const start = this.current;
    let last: unknown;
    for (let k = 0; k < this.peers.length; k++) {
      const i = (start + k) % this.peers.length;
      const peer = this.peers[i] as Peer;
      for (let attempt = 1; ; attempt++) {
        try {
          const out = await fn(peer.client);
          if (i !== this.current) {
            this.current = i;
            this.failbackAt = Date.now() + this.failbackMs;
          }
          if (i !== 0) this.maybeFailBack();
          return out;
        } catch (err) {
          last = err;
          // A keep-alive connection the server closed as we reused it: the request never ran; send it again.
          if (attempt < 3 && isStaleSocket(err)) continue;
          break;
        }
      }
      if (!isUnavailable(last)) throw last;
    }
    throw last;
  }

  /**
   * Off the request path: when calls go to a later peer and the failback interval has passed, asks the
   * first peer's /readyz (2 s timeout) and, when it is ready, sends the next calls to it again. A
   * peer that is back but still catching up is not ready in Qdrant's sense, so calls wait for that.
   */
  private maybeFailBack(): void {
    if (this.failbackMs <= 0 || this.probing || Date.now() < this.failbackAt) return;
    const first = this.peers[0] as Peer;
    this.probing = true;
    this.failbackAt = Date.now() + this.failbackMs;
    void fetch(`${first.url.replace(/\/+$/, "")}/readyz`, {
      signal: AbortSignal.timeout(2_000),
      ...(this.apiKey ? { headers: { "api-key": this.apiKey } } : {}),
    })
      .then(async (res) => {
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) this.current = 0;
      })
      .catch(() => {}) // still gone: try again after the interval
      .finally(() => {
        this.probing = false;
      });
  }

  private async call<T>(what: string, fn: (client: QdrantClient) => Promise<T>): Promise<T> {
    try {
      return await this.onAnyPeer(fn);
    } catch (err) {
      throw domainError(what, err);
    }
  }

  /** `call`, and when every peer failed, the whole round again after 200, 400, 800 ms … */
  private async withRetries<T>(what: string, fn: (client: QdrantClient) => Promise<T>, attempts = 4): Promise<T> {
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        return await this.onAnyPeer(fn);
      } catch (err) {
        last = err;
        if (!isUnavailable(err)) break; // a bad request stays bad: do not retry it
        if (i < attempts - 1) await sleep(200 * 2 ** i);
      }
    }
    throw domainError(attempts > 1 ? `${what} (after retries)` : what, last);
  }

  /** A physical collection's name: the prefix, its creation time and a random tag (base 36). */
  private physicalName(createdAt: number): string {
    return `${this.prefix}_${createdAt.toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  }

  /** The creation time written into a physical collection's name by physicalName; undefined for other names. */
  private physicalCreatedAt(name: string): number | undefined {
    const escaped = this.prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const m = new RegExp(`^${escaped}_([0-9a-z]+)_[0-9a-z]+$`).exec(name);
    return m ? Number.parseInt(m[1] as string, 36) : undefined;
  }

  private alias(modelVersionId: string) {
    return `${this.prefix}_${modelVersionId}`;
  }

  private async aliasTarget(modelVersionId: string): Promise<string | undefined> {
    const { aliases } = await this.call("list aliases", (c) => c.getAliases());
    return aliases.find((a) => a.alias_name === this.alias(modelVersionId))?.collection_name;
  }

  private async createPhysical(dim: number): Promise<string> {
    const name = this.physicalName(Date.now());
    await this.call("create collection", (c) =>
      c.createCollection(name, {
        vectors: { size: dim, distance: "Cosine" },
        shard_number: this.layout.shards,
        replication_factor: this.layout.replicationFactor,
        write_consistency_factor: this.layout.writeConsistency,
      }),
    );
    // Retried: in a cluster the new collection's shards may still be starting on the other peers.
    for (const field of FILTER_FIELDS) {
      await this.withRetries("create payload index", (c) =>
        c.createPayloadIndex(name, { field_name: field, field_schema: "keyword", wait: true }),
      );
    }
    return name;
  }

  async ensureCollection(modelVersionId: string, dim: number): Promise<void> {
    const target = await this.aliasTarget(modelVersionId);
    if (target) {
      const info = await this.call("read collection", (c) => c.getCollection(target));
      const size = (info.config.params.vectors as { size?: number } | undefined)?.size;
      if (size !== undefined && size !== dim) {
        throw new MedcapError("MODEL_MISMATCH", `qdrant collection ${target} holds ${size}-d vectors, not ${dim}`);
      }
      return;
    }
    const physical = await this.createPhysical(dim);
    await this.call("create alias", (c) =>
      c.updateCollectionAliases({
        actions: [{ create_alias: { collection_name: physical, alias_name: this.alias(modelVersionId) } }],
      }),
    );
    this.sizes.delete(this.alias(modelVersionId));
  }

  async dropCollection(modelVersionId: string): Promise<void> {
    const target = await this.aliasTarget(modelVersionId);
    this.sizes.delete(this.alias(modelVersionId));
    if (!target) return;
    await this.call("drop collection", async (c) => {
      await c.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: this.alias(modelVersionId) } }] });
      await c.deleteCollection(target);
    });
  }

  private async upsertInto(collection: string, points: VectorPoint[]): Promise<void> {
    for (let i = 0; i < points.length; i += UPSERT_BATCH) {
      const chunk = points.slice(i, i + UPSERT_BATCH).map((p) => ({
        id: pointUuid(p.payload.kind, p.payload.targetId),
        vector: Array.from(p.vector),
        payload: { ...p.payload },
      }));
      await this.withRetries("upsert", (c) => c.upsert(collection, { wait: true, ordering: "medium", points: chunk }));
    }
  }

  async upsert(modelVersionId: string, points: VectorPoint[]): Promise<void> {
    await this.upsertInto(this.alias(modelVersionId), points);
    this.sizes.delete(this.alias(modelVersionId));
  }

  async delete(modelVersionId: string, kind: EmbeddingKind, targetIds: string[]): Promise<void> {
    if (!targetIds.length) return;
    await this.withRetries("delete", (c) =>
      c.delete(this.alias(modelVersionId), { wait: true, ordering: "medium", points: targetIds.map((id) => pointUuid(kind, id)) }),
    );
    this.sizes.delete(this.alias(modelVersionId));
  }

  /** Points in the collection behind the alias, re-read at most every 30 s (it decides exact search). */
  private async points(client: QdrantClient, alias: string): Promise<number> {
    const cached = this.sizes.get(alias);
    if (cached && Date.now() - cached.at < 30_000) return cached.points;
    const info = await client.getCollection(alias);
    const points = info.points_count ?? 0;
    this.sizes.set(alias, { points, at: Date.now() });
    return points;
  }

  /** Whether searches of this model version run exactly (brute force) rather than through HNSW. */
  async searchesExactly(modelVersionId: string): Promise<boolean> {
    return this.call("read collection", async (c) => (await this.points(c, this.alias(modelVersionId))) <= this.exactMaxPoints);
  }

  async search(modelVersionId: string, vector: Float32Array, request: SearchRequest): Promise<VectorHit[]> {
    if (request.k <= 0) return [];
    const alias = this.alias(modelVersionId);
    return this.withRetries(
      "search",
      async (c) => {
        try {
          const exact = (await this.points(c, alias)) <= this.exactMaxPoints;
          const hits = await c.search(alias, {
            consistency: this.readConsistency,
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
              { store: "qdrant", modelVersionId, collectionMissing: true },
            );
          }
          throw err;
        }
      },
      1 + this.searchRetries,
    );
  }

  async count(modelVersionId: string, kind?: EmbeddingKind): Promise<number> {
    const filter = kind ? { must: [{ key: "kind", match: { value: kind } }] } : undefined;
    return this.call("count", async (c) => {
      try {
        const r = await c.count(this.alias(modelVersionId), { exact: true, ...(filter ? { filter } : {}) });
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
      const page = await this.call("scroll", async (client) => {
        try {
          return await client.scroll(alias, {
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
      yield page.points.map((p: { payload?: unknown; vector?: unknown }) => ({
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
      await this.onAnyPeer((c) => c.deleteCollection(fresh)).catch(() => {});
      throw err;
    }
    const alias = this.alias(modelVersionId);
    await this.call("swap alias", (c) =>
      c.updateCollectionAliases({
        actions: [
          ...(old ? [{ delete_alias: { alias_name: alias } }] : []),
          { create_alias: { collection_name: fresh, alias_name: alias } },
        ],
      }),
    );
    this.sizes.delete(alias);
    if (old) await this.onAnyPeer((c) => c.deleteCollection(old)).catch(() => {});
    await this.dropOrphans().catch(() => {});
  }

  /**
   * Collections of this prefix that no alias points to and that were created (per their name) more
   * than `ORPHAN_AGE_MS` ago: left by a rebuild whose process died mid-way (a replica killed while
   * it ran a REINDEX job), and never read again. The age keeps a rebuild another replica is still
   * filling (unaliased until it swaps) out of reach. Returns the names dropped.
   */
  async dropOrphans(now = Date.now()): Promise<string[]> {
    const [{ collections }, { aliases }] = await Promise.all([
      this.call("list collections", (c) => c.getCollections()),
      this.call("list aliases", (c) => c.getAliases()),
    ]);
    const aliased = new Set(aliases.map((a) => a.collection_name));
    const dropped: string[] = [];
    for (const { name } of collections) {
      const created = this.physicalCreatedAt(name);
      if (created === undefined || aliased.has(name)) continue;
      if (!(now - created > ORPHAN_AGE_MS)) continue;
      await this.call("drop orphan collection", (c) => c.deleteCollection(name));
      dropped.push(name);
    }
    return dropped;
  }

  async ready(): Promise<boolean> {
    try {
      await this.onAnyPeer((c) => c.getCollections());
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
    const info = await this.call("read version", (c) => c.versionInfo());
    const client = CLIENT_VERSION;
    const [sMaj, sMin] = info.version.split(".").map(Number);
    const [cMaj, cMin] = client.split(".").map(Number);
    const compatible = sMaj === cMaj && Math.abs((sMin ?? 0) - (cMin ?? 0)) <= 1;
    return { server: info.version, client, compatible };
  }

  /**
   * The cluster as every configured peer sees it: which peers answer, and for the collection of
   * `modelVersionId`, each shard's replicas with their state. Each reachable peer reports its own
   * (local) replicas, which it knows first-hand; replicas on a peer nobody could ask come from the
   * consensus view, and count as lost when their peer is a configured one that did not answer, or
   * one the answering peers fail to send messages to.
   */
  async clusterHealth(modelVersionId?: string): Promise<QdrantClusterHealth> {
    const problems: string[] = [];
    const probes = await Promise.all(
      this.peers.map(async (p) => {
        try {
          const { data } = await p.client.api().clusterStatus({});
          return { url: p.url, status: data.result };
        } catch {
          return { url: p.url, status: undefined };
        }
      }),
    );
    const configured = probes.map((p) => ({
      url: p.url,
      reachable: p.status !== undefined,
      ...(p.status?.status === "enabled" ? { peerId: p.status.peer_id } : {}),
    }));
    for (const c of configured) if (!c.reachable) problems.push(`peer ${c.url} does not answer`);
    const answering = probes.filter((p) => p.status !== undefined);
    if (!answering.length) {
      return { status: "down", distributed: false, configured, peers: [], shards: [], transfers: 0, problems };
    }
    const enabled = answering.flatMap((p) => (p.status?.status === "enabled" ? [p.status] : []));
    const peers = new Map<number, string>();
    const failingUris = new Set<string>();
    for (const st of enabled) {
      for (const [id, info] of Object.entries(st.peers)) if (info) peers.set(Number(id), info.uri);
      for (const uri of Object.keys(st.message_send_failures)) failingUris.add(uri);
    }
    const probedAlive = new Set(configured.flatMap((c) => (c.reachable && c.peerId !== undefined ? [c.peerId] : [])));
    const probedDead = new Set(configured.flatMap((c) => (!c.reachable && c.peerId !== undefined ? [c.peerId] : [])));
    // A configured peer that did not answer has no peer id of its own: match it by its host to the consensus URIs.
    const deadHosts = new Set(configured.filter((c) => !c.reachable).map((c) => new URL(c.url).hostname));
    const peerReachable = (id: number) => {
      if (probedAlive.has(id)) return true;
      if (probedDead.has(id)) return false;
      const uri = peers.get(id);
      if (uri === undefined) return false;
      if (failingUris.has(uri)) return false;
      // Loopback clusters share one host: there, an unprobed peer is judged by the send failures alone.
      const host = new URL(uri).hostname;
      return !(deadHosts.has(host) && host !== "127.0.0.1" && host !== "localhost");
    };
    for (const [id, uri] of peers) if (!peerReachable(id)) problems.push(`peer ${id} (${uri}) is lost`);

    const shards = new Map<number, ShardReplica[]>();
    let transfers = 0;
    let collection: string | undefined;
    if (modelVersionId !== undefined) {
      collection = await this.aliasTarget(modelVersionId).catch(() => undefined);
      if (collection) {
        const name = collection;
        const local = new Map<string, ShardReplica>();
        const remote = new Map<string, ShardReplica>();
        await Promise.all(
          this.peers.map(async (p, i) => {
            if (!configured[i]?.reachable) return;
            try {
              const info = await p.client.collectionClusterInfo(name);
              transfers = Math.max(transfers, info.shard_transfers?.length ?? 0);
              for (const s of info.local_shards)
                local.set(`${s.shard_id}:${info.peer_id}`, { peerId: info.peer_id, state: s.state, peerReachable: true });
              for (const s of info.remote_shards)
                remote.set(`${s.shard_id}:${s.peer_id}`, { peerId: s.peer_id, state: s.state, peerReachable: peerReachable(s.peer_id) });
            } catch {
              // this peer went away between the two requests: its replicas come from the others' view
            }
          }),
        );
        for (const [key, replica] of [...remote, ...local]) {
          const shard = Number(key.split(":")[0]);
          const list = shards.get(shard) ?? [];
          const at = list.findIndex((r) => r.peerId === replica.peerId);
          if (at >= 0) list[at] = local.get(key) ?? replica;
          else list.push(local.get(key) ?? replica);
          shards.set(shard, list);
        }
      } else {
        problems.push(`no collection for model version ${modelVersionId}`);
      }
    }
    const shardList = [...shards.entries()]
      .sort(([a], [b]) => a - b)
      .map(([id, replicas]) => ({ id, replicas: replicas.sort((a, b) => a.peerId - b.peerId) }));
    let down = false;
    for (const s of shardList) {
      const live = s.replicas.filter((r) => r.state === "Active" && r.peerReachable);
      if (!live.length) {
        down = true;
        problems.push(`shard ${s.id} has no live replica`);
      }
      for (const r of s.replicas)
        if (r.state !== "Active" || !r.peerReachable)
          problems.push(`shard ${s.id} replica on peer ${r.peerId}: ${r.peerReachable ? r.state : `${r.state}, peer lost`}`);
    }
    if (transfers) problems.push(`${transfers} shard transfer(s) in progress`);
    return {
      status: down ? "down" : problems.length ? "degraded" : "ok",
      distributed: enabled.length > 0,
      configured,
      peers: [...peers.entries()].sort(([a], [b]) => a - b).map(([id, uri]) => ({ id, uri })),
      ...(collection ? { collection } : {}),
      shards: shardList,
      transfers,
      problems: [...new Set(problems)],
    };
  }

  async close(): Promise<void> {}
}

/** The installed @qdrant/js-client-rest version (its package exports no version, so read its package.json). */
export const CLIENT_VERSION: string = (() => {
  const entry = createRequire(import.meta.url).resolve("@qdrant/js-client-rest");
  const pkg = path.join(entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`)), "package.json");
  return (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
})();
