// An LRU cache of text embeddings. Frontends and the admin repeat the same phrases ("axial CT of the
// liver"), and a hit skips the tokenizer, the micro-batcher's wait and the ONNX run. Keys carry the
// model version, so vectors of two models never mix, and the text as the tokenizer would see it:
// texts that tokenize alike share an entry.

export interface TextCacheStats {
  hits: number;
  misses: number;
  evictions: number;
  size: number;
  capacity: number;
}

/**
 * The text as the model sees it: Unicode NFC, whitespace runs collapsed (BERT splits on whitespace,
 * so runs and edges never reach the ids), lowercased when the tokenizer lowercases anyway.
 */
export function normalizeForCache(text: string, lowercase: boolean): string {
  const collapsed = text.normalize("NFC").trim().replace(/\s+/gu, " ");
  return lowercase ? collapsed.toLowerCase() : collapsed;
}

export class TextEmbeddingCache {
  private readonly entries = new Map<string, Float32Array>();
  /** Encodes in flight, so concurrent identical queries share one ONNX run. */
  private readonly pending = new Map<string, Promise<Float32Array>>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(
    readonly capacity: number,
    private readonly modelVersion: string,
    private readonly lowercase: boolean,
  ) {}

  /** The cached embedding of `text`, else `encode(text)` stored for next time. Callers get a copy. */
  async get(text: string, encode: (text: string) => Promise<Float32Array>): Promise<Float32Array> {
    if (this.capacity <= 0) return encode(text);
    const key = `${this.modelVersion}\u0000${normalizeForCache(text, this.lowercase)}`;
    const cached = this.entries.get(key);
    if (cached) {
      this.hits++;
      // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.slice();
    }
    const inFlight = this.pending.get(key);
    if (inFlight) {
      this.hits++;
      return (await inFlight).slice();
    }
    this.misses++;
    const encoding = encode(text);
    this.pending.set(key, encoding);
    try {
      const vector = await encoding;
      this.entries.set(key, vector);
      if (this.entries.size > this.capacity) {
        const oldest = this.entries.keys().next().value as string;
        this.entries.delete(oldest);
        this.evictions++;
      }
      return vector.slice();
    } finally {
      this.pending.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  stats(): TextCacheStats {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, size: this.entries.size, capacity: this.capacity };
  }
}
