// Qdrant beside the embedded store on the same synthetic vectors, at production-like sizes:
// upsert throughput, time until Qdrant's HNSW index is built, search p50/p95 at concurrency 1 and 8
// with and without a filter, recall@10 against exact search, and the Qdrant process's memory.
// Vectors are 256-d, unit-normalised and clustered (like image embeddings: many near-duplicates
// around few anatomies), with MedPix-like payloads, generated from a seed so runs are comparable.
// Each size's collection is built once per run (or reused from an earlier run with --keep) and
// every measurement runs against it.
import { readdir, readFile, readlink } from "node:fs/promises";
import type { ModalityType, Split } from "@medcap/db";
import type { SearchFilter } from "../vectors/vector.store.js";
import { EmbeddedVectorStore } from "../vectors/embedded.store.js";
import type { QdrantVectorStore } from "../vectors/qdrant.store.js";
import type { PointPayload, VectorPoint } from "../vectors/vector.store.js";
import { type LatencySummary, load, summarize } from "./latency.stats.js";
import { seededRandom } from "../core/seeded.random.js";
import { isotropicUnitVector, unitVectorNear } from "../vectors/synthetic.vectors.js";

export interface QdrantBenchOptions {
  sizes: number[];
  dim: number;
  queries: number;
  /** Leave the collections in Qdrant, and reuse one of the right size from an earlier run. */
  keep: boolean;
  /** How long to wait for Qdrant's HNSW build before measuring anyway (reported). */
  maxIndexWaitSeconds?: number;
  /** Qdrant's indexing_threshold (KB of vectors) for the bench collections: a sharded collection's smaller segments stay below the default and are never indexed. */
  indexingThresholdKb?: number;
  /** The Qdrant server process, for its memory; found from the URL's port when it runs here. */
  qdrantPid?: number;
  log: (m: string) => void;
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const CLUSTERS = 64;
/** Norm of the noise around a cluster centre (unit length): same-cluster cosines come out near 0.67. */
const NOISE = 0.7;
const FILTER: SearchFilter = { modalities: ["MR"], planes: ["Axial"] };
const PLANES = ["Axial", "Coronal", "Sagittal", "Axial", "Axial"];
const LOCATIONS = ["Brain and Neuro", "Chest, Pulmonary", "Abdomen", "Spine and Muscles", "Head and Neck", "Cardiovascular"];

/** The synthetic corpus: point i is reproducible from (seed, i) alone, so batches can be regenerated. */
class Corpus {
  readonly centroids: Float32Array[];
  constructor(
    readonly dim: number,
    seed = 7,
  ) {
    const rand = seededRandom(seed);
    this.centroids = Array.from({ length: CLUSTERS }, () => isotropicUnitVector(rand, dim));
  }

  private near(rand: () => number, cluster: number): Float32Array {
    return unitVectorNear(rand, this.centroids[cluster] as Float32Array, NOISE);
  }

  point(i: number): VectorPoint {
    const rand = seededRandom(i * 2654435761 + 1);
    const cluster = Math.floor(rand() * CLUSTERS);
    const payload: PointPayload = {
      kind: "IMAGE",
      targetId: `p${i}`,
      imageId: `p${i}`,
      caseId: `c${Math.floor(i / 3)}`,
      dataset: "bench",
      split: (i % 10 === 0 ? "DEV" : i % 10 === 1 ? "TEST" : "TRAIN") as Split,
      modality: (rand() < 0.55 ? "CT" : "MR") as ModalityType,
      plane: PLANES[Math.floor(rand() * PLANES.length)] as string,
      locationCategory: LOCATIONS[cluster % LOCATIONS.length] as string,
    };
    return { vector: this.near(rand, cluster), payload };
  }

  batch(from: number, count: number): VectorPoint[] {
    return Array.from({ length: count }, (_, j) => this.point(from + j));
  }

  query(q: number): Float32Array {
    const rand = seededRandom(1e9 + q);
    return this.near(rand, Math.floor(rand() * CLUSTERS));
  }
}

/** Brute-force top-k ids over the embedded store's data: the ground truth recall is measured against. */
async function exactTopK(store: EmbeddedVectorStore, mv: string, q: Float32Array, k: number, filter?: SearchFilter) {
  return (await store.search(mv, q, { kind: "IMAGE", k, filter })).map((h) => h.payload.targetId);
}

/** The pid of the process listening on a local TCP port, from /proc (Linux); undefined elsewhere. */
export async function pidListeningOn(port: number): Promise<number | undefined> {
  try {
    const hex = port.toString(16).toUpperCase().padStart(4, "0");
    const inodes = new Set<string>();
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      const text = await readFile(table, "utf8").catch(() => "");
      for (const line of text.split("\n").slice(1)) {
        const f = line.trim().split(/\s+/);
        // local_address is HEX_IP:HEX_PORT, state 0A is LISTEN, inode is the 10th field
        if (f[1]?.endsWith(`:${hex}`) && f[3] === "0A" && f[9]) inodes.add(f[9]);
      }
    }
    if (!inodes.size) return undefined;
    for (const pid of await readdir("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
      for (const fd of fds) {
        const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m && inodes.has(m[1] as string)) return Number(pid);
      }
    }
  } catch {
    // not Linux, or not allowed to look
  }
  return undefined;
}

async function rssMiB(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? r2(Number(m[1]) / 1024) : null;
}

interface SearchSide {
  c1: LatencySummary & { qps: number };
  c8: LatencySummary & { qps: number };
  recallAt10: number;
}

async function measure(queries: Float32Array[], truth: string[][], search: (q: Float32Array) => Promise<string[]>): Promise<SearchSide> {
  let found = 0;
  const answers: string[][] = [];
  for (let i = 0; i < Math.min(4, queries.length); i++) await search(queries[i] as Float32Array); // warm-up
  const one = await load(queries.length, 1, async (i) => {
    answers[i] = await search(queries[i] as Float32Array);
  });
  const eight = await load(queries.length * 2, 8, async (i) => {
    await search(queries[i % queries.length] as Float32Array);
  });
  answers.forEach((a, i) => {
    const t = new Set(truth[i]);
    found += a.filter((id) => t.has(id)).length;
  });
  const expected = truth.reduce((n, t) => n + t.length, 0);
  return {
    c1: { ...summarize(one.latencies), qps: r2(one.latencies.length / one.seconds) },
    c8: { ...summarize(eight.latencies), qps: r2(eight.latencies.length / eight.seconds) },
    recallAt10: expected ? Math.round((found / expected) * 1000) / 1000 : 1,
  };
}

/**
 * Waits until Qdrant has finished optimising the collection (status green twice in a row, a second
 * apart: HNSW built on every segment past the indexing threshold); returns the seconds waited and
 * how many vectors the graphs cover (segments below the threshold are searched by brute force).
 */
async function waitIndexed(url: string, collection: string, size: number, maxWaitSeconds: number, log: (m: string) => void) {
  const t0 = performance.now();
  let lastLog = 0;
  let greens = 0;
  for (;;) {
    const info = (await (await fetch(`${url}/collections/${collection}`)).json()) as {
      result: { status: string; indexed_vectors_count?: number; segments_count?: number };
    };
    const r = info.result;
    const indexed = r.indexed_vectors_count ?? 0;
    const seconds = r2((performance.now() - t0) / 1000);
    greens = r.status === "green" ? greens + 1 : 0;
    if (greens >= 2) return { seconds, indexedVectors: indexed, segments: r.segments_count };
    if (seconds > maxWaitSeconds) return { seconds, indexedVectors: indexed, note: `measured before indexing finished (${r.status})` };
    if (performance.now() - lastLog > 30_000) {
      log(`qdrant: waiting for the HNSW index (${indexed}/${size} vectors indexed, status ${r.status})`);
      lastLog = performance.now();
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
}

/** One Qdrant deployment to measure: a store over it and the server processes (for their memory). */
export interface QdrantBenchTarget {
  label: string;
  store: QdrantVectorStore;
  /** Every Qdrant process of the deployment (one per peer); found from the store's URL when omitted. */
  pids?: number[];
}

/** Builds one size's collection in a target (or reuses it with --keep), waits for HNSW, measures, drops it. */
async function measureTarget(
  target: QdrantBenchTarget,
  pids: (number | undefined)[],
  corpus: Corpus,
  size: number,
  queries: Float32Array[],
  truths: Record<"unfiltered" | "filtered", string[][]>,
  options: QdrantBenchOptions,
) {
  const { log } = options;
  const qdrant = target.store;
  const mv = `bench-${corpus.dim}d-${size}`;
  const entry: Record<string, unknown> = {};
  // Qdrant: built once for the run, or reused (--keep) when an earlier run left one of this size.
  const reused = options.keep && (await qdrant.count(mv).catch(() => 0)) === size;
  const physicalOf = async () => {
    const aliases = (await (await fetch(`${qdrant.url}/aliases`)).json()) as {
      result: { aliases: { alias_name: string; collection_name: string }[] };
    };
    return aliases.result.aliases.find((a) => a.alias_name.endsWith(`_${mv}`))?.collection_name as string;
  };
  const optimizers = (config: Record<string, unknown>) =>
    fetch(`${qdrant.url}/collections/${physical}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ optimizers_config: config }),
    });
  let physical = "";
  if (!reused) {
    await qdrant.dropCollection(mv);
    await qdrant.ensureCollection(mv, corpus.dim);
    physical = await physicalOf();
    // Segments are indexed one by one as they pass the threshold; merges of indexed segments are
    // capped (KB of vectors), as Qdrant 1.14.1's merge-and-reindex stalled here on 2 cores.
    await optimizers({
      max_segment_size: 24_000,
      ...(options.indexingThresholdKb !== undefined ? { indexing_threshold: options.indexingThresholdKb } : {}),
    });
    const t0 = performance.now();
    let generating = 0;
    const BATCH = 2048;
    const inFlight = new Set<Promise<void>>();
    for (let from = 0; from < size; from += BATCH) {
      const g0 = performance.now();
      const batch = corpus.batch(from, Math.min(BATCH, size - from));
      generating += performance.now() - g0;
      const p = qdrant.upsert(mv, batch).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= 4) await Promise.race(inFlight);
      if (from % 100_000 < BATCH && from)
        log(`qdrant (${target.label}): upserted ${from.toLocaleString("en")}/${size.toLocaleString("en")}`);
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - t0 - generating) / 1000;
    entry.qdrantUpsert = {
      seconds: r2(seconds),
      pointsPerSecond: Math.round(size / seconds),
      note: "QdrantVectorStore.upsert (256-point requests, wait=true), 4 batches of 2048 in flight, generation excluded",
    };
  } else {
    entry.qdrantUpsert = { reused: true };
    physical = await physicalOf();
  }
  entry.qdrantIndexing = await waitIndexed(qdrant.url, physical, size, options.maxIndexWaitSeconds ?? 600, log);
  entry.qdrantSearchesExactly = await qdrant.searchesExactly(mv);
  for (const label of ["unfiltered", "filtered"] as const) {
    const filter = label === "filtered" ? FILTER : undefined;
    log(`qdrant bench: ${size.toLocaleString("en")} vectors, ${label}: qdrant (${target.label})`);
    entry[label] = await measure(queries, truths[label], async (q) =>
      (await qdrant.search(mv, q, { kind: "IMAGE", k: 10, filter })).map((h) => h.payload.targetId),
    );
  }
  // Resident memory of every Qdrant process, with the collection loaded and just searched.
  entry.rssMiB = await Promise.all(pids.map((p) => rssMiB(p)));
  if (!options.keep) await qdrant.dropCollection(mv);
  return entry;
}

/**
 * The same workload, point for point and query for query, against each target in turn (one size at a
 * time, each target's collection dropped before the next is built), beside the embedded store whose
 * exact search is the ground truth for every target's recall.
 */
export async function benchQdrantTargets(targets: QdrantBenchTarget[], options: QdrantBenchOptions) {
  const { dim, log } = options;
  const corpus = new Corpus(dim);
  const pidsOf = await Promise.all(targets.map(async (t) => t.pids ?? [await pidListeningOn(Number(new URL(t.store.url).port || 6333))]));
  const out: Record<string, unknown> = {
    setup: {
      dim,
      clusters: CLUSTERS,
      noise: NOISE,
      queries: options.queries,
      filter: FILTER,
      qdrantSearch: "HNSW (collections above MEDCAP_QDRANT_EXACT_MAX_POINTS), hnsw_ef 128, m 16, ef_construct 100",
      concurrency8Requests: options.queries * 2,
      targets: targets.map((t, i) => ({ label: t.label, urls: t.store.urls, pids: pidsOf[i] ?? [] })),
    },
  };
  for (const size of options.sizes) {
    const mv = `bench-${dim}d-${size}`;
    const entry: Record<string, unknown> = {};
    log(`qdrant bench: ${size.toLocaleString("en")} vectors`);

    // The embedded store (and the exact ground truth) from the same generated points.
    const embedded = new EmbeddedVectorStore();
    await embedded.ensureCollection(mv, dim);
    const t0 = performance.now();
    for (let from = 0; from < size; from += 10_000) await embedded.upsert(mv, corpus.batch(from, Math.min(10_000, size - from)));
    const embeddedLoad = (performance.now() - t0) / 1000;
    entry.embeddedLoad = { seconds: r2(embeddedLoad), pointsPerSecond: Math.round(size / embeddedLoad), note: "generation included" };

    const queries = Array.from({ length: options.queries }, (_, q) => corpus.query(q));
    const truths = { unfiltered: [] as string[][], filtered: [] as string[][] };
    const embeddedSide: Record<string, SearchSide> = {};
    for (const label of ["unfiltered", "filtered"] as const) {
      const filter = label === "filtered" ? FILTER : undefined;
      log(`qdrant bench: ${size.toLocaleString("en")} vectors, ${label}: exact ground truth`);
      for (const q of queries) truths[label].push(await exactTopK(embedded, mv, q, 10, filter));
      log(`qdrant bench: ${size.toLocaleString("en")} vectors, ${label}: embedded`);
      embeddedSide[label] = await measure(queries, truths[label], async (q) =>
        (await embedded.search(mv, q, { kind: "IMAGE", k: 10, filter })).map((h) => h.payload.targetId),
      );
    }
    entry.embedded = embeddedSide;
    entry.targets = {} as Record<string, unknown>;
    for (const [i, target] of targets.entries())
      (entry.targets as Record<string, unknown>)[target.label] = await measureTarget(
        target,
        pidsOf[i] ?? [],
        corpus,
        size,
        queries,
        truths,
        options,
      );
    entry.memoryMiB = { embeddedVectorsHeld: r2((size * dim * 4) / 2 ** 20), thisProcessRss: r2(process.memoryUsage().rss / 2 ** 20) };
    await embedded.close();
    out[String(size)] = entry;
  }
  return out;
}

/** One Qdrant beside the embedded store (`medcap bench --qdrant-only`), in the report's original shape. */
export async function benchQdrantBesideEmbedded(qdrant: QdrantVectorStore, options: QdrantBenchOptions) {
  const out = await benchQdrantTargets(
    [{ label: "qdrant", store: qdrant, ...(options.qdrantPid ? { pids: [options.qdrantPid] } : {}) }],
    options,
  );
  const setup = out.setup as { targets: { pids: (number | undefined)[] }[] };
  const shaped: Record<string, unknown> = { setup: { ...setup, targets: undefined, qdrantPid: setup.targets[0]?.pids[0] ?? null } };
  for (const size of options.sizes) {
    const e = out[String(size)] as {
      embeddedLoad: unknown;
      embedded: Record<string, SearchSide>;
      targets: Record<string, Record<string, unknown>>;
      memoryMiB: Record<string, unknown>;
    };
    const q = e.targets.qdrant ?? {};
    shaped[String(size)] = {
      embeddedLoad: e.embeddedLoad,
      qdrantUpsert: q.qdrantUpsert,
      qdrantIndexing: q.qdrantIndexing,
      qdrantSearchesExactly: q.qdrantSearchesExactly,
      unfiltered: { embedded: e.embedded.unfiltered, qdrant: q.unfiltered },
      filtered: { embedded: e.embedded.filtered, qdrant: q.filtered },
      memoryMiB: { qdrantProcessRss: (q.rssMiB as (number | null)[] | undefined)?.[0] ?? null, ...e.memoryMiB },
    };
  }
  return shaped;
}
