// An LRU cache of text embeddings. Frontends and the admin repeat the same phrases ("axial CT of the
// liver"), and a hit skips the tokenizer, the micro-batcher's wait and the ONNX run. Keys carry the
// model version, so vectors of two models never mix, and the text as the tokenizer would see it:
// texts that tokenize alike share an entry.
import { LruMap, type LruStats } from "../core/lru.map.js";

export type TextCacheStats = LruStats;
/**
 * The text as the model sees it: Unicode NFC, whitespace runs collapsed (BERT splits on whitespace,
 * so runs and edges never reach the ids), lowercased when the tokenizer lowercases anyway.
 */
export function normalizeForCache(text: string, lowercase: boolean): string {
  const collapsed = text.normalize("NFC").trim().replace(/\s+/gu, " ");
  return lowercase ? collapsed.toLowerCase() : collapsed;
}

export class TextEmbeddingCache {
  private readonly entries: LruMap<string, Float32Array>;
  /** Encodes in flight, so concurrent identical queries share one ONNX run. */
  private readonly pending = new Map<string, Promise<Float32Array>>();
  /** Requests that shared an encode already in flight. */
  private sharedInFlight = 0;

  constructor(
    readonly capacity: number,
    private readonly modelVersion: string,
    private readonly lowercase: boolean,
  ) {
    this.entries = new LruMap(Math.max(0, capacity));
  }

  /** The cached embedding of `text`, else `encode(text)` stored for next time. Callers get a copy. */
  async get(text: string, encode: (text: string) => Promise<Float32Array>): Promise<Float32Array> {
    if (this.capacity <= 0) return encode(text);
    const key = `${this.modelVersion}\u0000${normalizeForCache(text, this.lowercase)}`;
    const inFlight = this.pending.get(key);
    if (inFlight) {
      this.sharedInFlight++;
      return (await inFlight).slice();
    }
    const cached = this.entries.get(key);
    if (cached) return cached.slice();
    const encoding = encode(text);
    this.pending.set(key, encoding);
    try {
      const vector = await encoding;
      this.entries.set(key, vector);
      return vector.slice();
    } finally {
      this.pending.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  stats(): TextCacheStats {
    const { hits, misses, evictions, size } = this.entries.stats();
    // A request that shared an encode in flight is a hit the LRU never saw.
    return { hits: hits + this.sharedInFlight, misses, evictions, size, capacity: this.capacity };
  }
}
