// The default store: cosine search in process. Vectors are L2-normalised by the encoders, so cosine
// is a dot product over one contiguous Float32Array per kind.
//
// Exact search runs in usearch's SIMD kernel (prebuilt N-API binary, no compiler needed) straight
// over that array: a scalar JavaScript loop was ~7× the memory-bound floor at 1M vectors, usearch
// runs within ~1.2× of it (docs/speed.md). Payload fields live in columns of small integer codes, so
// a filter becomes one pass over typed arrays building a row mask before the scan, not a call per
// point on payload objects.
//
// The store is always exact. usearch's HNSW graph was measured and left out (docs/speed.md): building
// it over 100k 256-d vectors took minutes on two shared cores, on the event loop, and its recall@10
// on unstructured vectors was far below 0.98. Past ~1M vectors per kind, use Qdrant.
import { createRequire } from "node:module";
import type { EmbeddingKind, ModalityType, Split } from "@medcap/db";
import type * as Usearch from "usearch";
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

// The CommonJS build finds its prebuilt binary from __dirname; the ESM build guesses its own path from
// a stack trace, which fails under some module runners (vitest: "Could not find native build").
const { exactSearch, MetricKind } = createRequire(import.meta.url)("usearch") as typeof Usearch;

export interface EmbeddedStoreOptions {
  /** Threads for one exact scan; 1 keeps one request on one core and lets requests run side by side. */
  threads?: number;
}
/** Rows gathered per block when a filter leaves scattered rows (4 MB at 256-d: stays in cache). */
const BLOCK_ROWS = 4096;

/** One dictionary-encoded payload column: code 0 is null, codes 1… are distinct values. */
class CodeColumn<T extends string> {
  codes: Uint16Array | Uint32Array;
  readonly values: (T | null)[] = [null];
  private readonly byValue = new Map<T, number>();

  constructor(
    capacity: number,
    private readonly wide: boolean,
  ) {
    this.codes = wide ? new Uint32Array(capacity) : new Uint16Array(capacity);
  }

  grow(capacity: number) {
    const grown = this.wide ? new Uint32Array(capacity) : new Uint16Array(capacity);
    grown.set(this.codes);
    this.codes = grown;
  }

  set(slot: number, value: T | null) {
    if (value === null) {
      this.codes[slot] = 0;
      return;
    }
    let code = this.byValue.get(value);
    if (code === undefined) {
      code = this.values.length;
      if (!this.wide && code > 0xffff)
        throw new MedcapError("INTERNAL_SERVER_ERROR", "more than 65,535 distinct values in a payload column");
      this.values.push(value);
      this.byValue.set(value, code);
    }
    this.codes[slot] = code;
  }

  get(slot: number): T | null {
    return this.values[this.codes[slot] as number] as T | null;
  }

  /** A lookup table code → 1 for the accepted values (0 for null and everything else). */
  accept(values: readonly string[]): Uint8Array {
    const table = new Uint8Array(this.values.length);
    for (const v of values) {
      const code = this.byValue.get(v as T);
      if (code !== undefined) table[code] = 1;
    }
    return table;
  }
}

/** The k best (score, slot) pairs seen so far: a fixed-size min-heap on score. */
class TopK {
  private readonly scores: Float64Array;
  private readonly slots: Int32Array;
  size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.slots = new Int32Array(k);
  }

  get worst(): number {
    return this.size < this.k ? Number.NEGATIVE_INFINITY : (this.scores[0] as number);
  }

  push(score: number, slot: number) {
    const { scores, slots } = this;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((scores[parent] as number) <= score) break;
        scores[i] = scores[parent] as number;
        slots[i] = slots[parent] as number;
        i = parent;
      }
      scores[i] = score;
      slots[i] = slot;
      return;
    }
    if (score <= (scores[0] as number)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.k) break;
      const r = l + 1;
      const c = r < this.k && (scores[r] as number) < (scores[l] as number) ? r : l;
      if ((scores[c] as number) >= score) break;
      scores[i] = scores[c] as number;
      slots[i] = slots[c] as number;
      i = c;
    }
    scores[i] = score;
    slots[i] = slot;
  }

  slotList(): number[] {
    return Array.from(this.slots.subarray(0, this.size));
  }
}

class KindIndex {
  data: Float32Array;
  size = 0;
  private capacity = 256;
  readonly slots = new Map<string, number>();
  private targetIds: string[] = [];
  private imageIds: string[] = [];
  private readonly cases = new CodeColumn<string>(256, true);
  private readonly datasets = new CodeColumn<string>(256, false);
  private readonly splits = new CodeColumn<Split>(256, false);
  private readonly modalities = new CodeColumn<ModalityType>(256, false);
  private readonly planes = new CodeColumn<string>(256, false);
  private readonly locations = new CodeColumn<string>(256, false);
  private block: { data: Float32Array; slots: Int32Array } | undefined;

  constructor(
    readonly kind: EmbeddingKind,
    readonly dim: number,
    private readonly options: Required<EmbeddedStoreOptions>,
  ) {
    this.data = new Float32Array(dim * this.capacity);
  }

  private columns() {
    return [this.cases, this.datasets, this.splits, this.modalities, this.planes, this.locations];
  }

  private ensureCapacity(size: number) {
    if (size <= this.capacity) return;
    const capacity = Math.max(this.capacity * 2, size);
    const grown = new Float32Array(capacity * this.dim);
    grown.set(this.data.subarray(0, this.size * this.dim));
    this.data = grown;
    for (const c of this.columns()) c.grow(capacity);
    this.capacity = capacity;
  }

  upsert(points: readonly VectorPoint[]) {
    for (const p of points) {
      if (p.vector.length !== this.dim) {
        throw new MedcapError("MODEL_MISMATCH", `vector has ${p.vector.length} dimensions, the collection ${this.dim}`);
      }
    }
    for (const p of points) {
      const key = p.payload.targetId;
      let slot = this.slots.get(key);
      if (slot === undefined) {
        slot = this.size;
        this.ensureCapacity(slot + 1);
        this.size++;
        this.slots.set(key, slot);
      }
      this.data.set(p.vector, slot * this.dim);
      this.writePayload(slot, p.payload);
    }
  }

  private writePayload(slot: number, p: PointPayload) {
    this.targetIds[slot] = p.targetId;
    this.imageIds[slot] = p.imageId;
    this.cases.set(slot, p.caseId);
    this.datasets.set(slot, p.dataset);
    this.splits.set(slot, p.split);
    this.modalities.set(slot, p.modality);
    this.planes.set(slot, p.plane);
    this.locations.set(slot, p.locationCategory);
  }

  private copyPayload(to: number, from: number) {
    this.targetIds[to] = this.targetIds[from] as string;
    this.imageIds[to] = this.imageIds[from] as string;
    for (const c of this.columns()) c.codes[to] = c.codes[from] as number;
  }

  payload(slot: number): PointPayload {
    return {
      kind: this.kind,
      targetId: this.targetIds[slot] as string,
      imageId: this.imageIds[slot] as string,
      caseId: this.cases.get(slot) as string,
      dataset: this.datasets.get(slot) as string,
      split: this.splits.get(slot) as Split,
      modality: this.modalities.get(slot) as ModalityType,
      plane: this.planes.get(slot),
      locationCategory: this.locations.get(slot),
    };
  }

  /** The stored points as (target id, vector copy), in slot order. */
  *entries(batch = 1000): Generator<StoredEntry[]> {
    for (let from = 0; from < this.size; from += batch) {
      const out: StoredEntry[] = [];
      for (let slot = from; slot < Math.min(this.size, from + batch); slot++) {
        out.push({ targetId: this.targetIds[slot] as string, vector: this.data.slice(slot * this.dim, (slot + 1) * this.dim) });
      }
      yield out;
    }
  }

  delete(targetIds: readonly string[]) {
    for (const targetId of targetIds) {
      const slot = this.slots.get(targetId);
      if (slot === undefined) continue;
      // Move the last point into the freed slot so the array stays dense.
      const last = --this.size;
      if (slot !== last) {
        this.data.copyWithin(slot * this.dim, last * this.dim, (last + 1) * this.dim);
        this.copyPayload(slot, last);
        this.slots.set(this.targetIds[slot] as string, slot);
      }
      this.targetIds.length = this.size;
      this.imageIds.length = this.size;
      this.slots.delete(targetId);
    }
  }

  /** A row mask for a filter (1 = passes), or undefined when the filter accepts everything. */
  private mask(f: SearchFilter | undefined): { mask: Uint8Array; count: number } | undefined {
    if (!f) return undefined;
    const tests: [Uint16Array | Uint32Array, Uint8Array][] = [];
    const add = (column: CodeColumn<string>, values: readonly string[] | undefined) => {
      if (values?.length) tests.push([column.codes, column.accept(values)]);
    };
    add(this.datasets, f.datasets);
    add(this.splits, f.splits);
    add(this.modalities, f.modalities);
    add(this.planes, f.planes);
    add(this.locations, f.locationCategories);
    add(this.cases, f.caseIds);
    const rejectCases = f.excludeCaseIds?.length ? this.cases.accept(f.excludeCaseIds) : undefined;
    if (!tests.length && !rejectCases) return undefined;
    const mask = new Uint8Array(this.size).fill(1);
    for (const [codes, table] of tests)
      for (let s = 0; s < this.size; s++) mask[s] = (mask[s] as number) & (table[codes[s] as number] as number);
    if (rejectCases) {
      const codes = this.cases.codes;
      for (let s = 0; s < this.size; s++) if (rejectCases[codes[s] as number]) mask[s] = 0;
    }
    let count = 0;
    for (let s = 0; s < this.size; s++) count += mask[s] as number;
    return { mask, count };
  }

  search(q: Float32Array, req: SearchRequest): VectorHit[] {
    if (q.length !== this.dim) throw new MedcapError("MODEL_MISMATCH", `query has ${q.length} dimensions, the collection ${this.dim}`);
    const exclude = req.excludeTargetIds?.length ? new Set(req.excludeTargetIds) : undefined;
    // Excluded points are dropped after the scan, so ask for that many more.
    const want = Math.min(req.k + (exclude?.size ?? 0), this.size);
    if (want <= 0) return [];
    const filtered = this.mask(req.filter);
    if (filtered?.count === 0) return [];
    return this.rescore(q, this.exactSearch(q, want, filtered?.mask), exclude, req.k);
  }

  /** Exact top-`want` slots, scanning only the rows the mask lets through. */
  exactSearch(q: Float32Array, want: number, mask: Uint8Array | undefined): number[] {
    const { dim } = this;
    const top = new TopK(want);
    const scan = (rows: Float32Array, n: number, slotOf: (j: number) => number) => {
      const count = Math.min(want, n);
      const m = exactSearch(rows, q, dim, count, MetricKind.IP, this.options.threads);
      // usearch's inner-product distance is 1 - dot.
      for (let j = 0; j < count; j++) {
        const score = 1 - (m.distances[j] as number);
        if (score > top.worst) top.push(score, slotOf(Number(m.keys[j])));
      }
    };
    if (!mask) {
      scan(this.data.subarray(0, this.size * dim), this.size, (j) => j);
      return top.slotList();
    }
    this.block ??= { data: new Float32Array(BLOCK_ROWS * dim), slots: new Int32Array(BLOCK_ROWS) };
    const block = this.block;
    let filled = 0;
    const flush = () => {
      if (filled) scan(block.data.subarray(0, filled * dim), filled, (j) => block.slots[j] as number);
      filled = 0;
    };
    for (let s = 0; s < this.size; ) {
      if (!mask[s]) {
        s++;
        continue;
      }
      let end = s + 1;
      while (end < this.size && mask[end]) end++;
      if (end - s >= BLOCK_ROWS / 4) {
        // Long runs are scanned in place, without a copy.
        const from = s;
        scan(this.data.subarray(from * dim, end * dim), end - from, (j) => from + j);
        s = end;
        continue;
      }
      while (s < end) {
        const take = Math.min(end - s, BLOCK_ROWS - filled);
        block.data.set(this.data.subarray(s * dim, (s + take) * dim), filled * dim);
        for (let j = 0; j < take; j++) block.slots[filled + j] = s + j;
        filled += take;
        s += take;
        if (filled === BLOCK_ROWS) flush();
      }
    }
    flush();
    return top.slotList();
  }

  /** Exact scores in float64 for the chosen slots, best first, exclusions dropped. */
  private rescore(q: Float32Array, slots: readonly number[], exclude: Set<string> | undefined, k: number): VectorHit[] {
    const { dim, data } = this;
    const scored: { slot: number; score: number }[] = [];
    for (const slot of slots) {
      if (exclude?.has(this.targetIds[slot] as string)) continue;
      let dot = 0;
      const off = slot * dim;
      for (let i = 0; i < dim; i++) dot += (q[i] as number) * (data[off + i] as number);
      scored.push({ slot, score: dot });
    }
    scored.sort((a, b) => b.score - a.score || a.slot - b.slot);
    return scored.slice(0, k).map((s) => ({ score: s.score, payload: this.payload(s.slot) }));
  }
}

export class EmbeddedVectorStore implements VectorStore {
  readonly name = "embedded" as const;
  private readonly collections = new Map<string, { dim: number; kinds: Map<EmbeddingKind, KindIndex> }>();
  private readonly options: Required<EmbeddedStoreOptions>;

  constructor(options: EmbeddedStoreOptions = {}) {
    this.options = { threads: options.threads ?? 1 };
  }

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
    if (!index) c.kinds.set(kind, (index = new KindIndex(kind, c.dim, this.options)));
    return index;
  }

  async upsert(modelVersionId: string, points: VectorPoint[]): Promise<void> {
    const byKind = new Map<EmbeddingKind, VectorPoint[]>();
    for (const p of points) {
      const list = byKind.get(p.payload.kind);
      if (list) list.push(p);
      else byKind.set(p.payload.kind, [p]);
    }
    for (const [kind, list] of byKind) this.kind(modelVersionId, kind).upsert(list);
  }

  async delete(modelVersionId: string, kind: EmbeddingKind, targetIds: string[]): Promise<void> {
    this.kind(modelVersionId, kind).delete(targetIds);
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

  async *entries(modelVersionId: string, kind: EmbeddingKind): AsyncGenerator<StoredEntry[]> {
    const index = this.collections.get(modelVersionId)?.kinds.get(kind);
    if (index) yield* index.entries();
  }

  async rebuild(modelVersionId: string, dim: number, points: AsyncIterable<VectorPoint[]>): Promise<void> {
    // Build aside, then swap: searches keep using the old index until the new one is complete.
    const fresh = new EmbeddedVectorStore(this.options);
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
