// The one least-recently-used map behind the service's bounded caches (text embeddings, consensus
// tokens, explanations, normalised caption texts, resize weights). A Map iterates in insertion order,
// so re-inserting on every hit keeps the least recently used key first, and eviction takes it.

export interface LruStats {
  hits: number;
  misses: number;
  evictions: number;
  size: number;
  capacity: number;
}

export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();
  private counts = { hits: 0, misses: 0, evictions: 0 };

  /** `capacity` 0 keeps nothing (every `get` misses). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError("capacity must be a non-negative integer");
  }

  /** The value, refreshed as the most recently used; undefined (counted as a miss) when absent. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) {
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Stores `value` as the most recently used, evicting the least recently used past `capacity`. */
  set(key: K, value: V): void {
    if (this.capacity === 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value as K);
      this.counts.evictions++;
    }
  }

  /** The cached value, else `make(key)` stored for next time. */
  getOrSet(key: K, make: (key: K) => V): V {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const value = make(key);
    this.set(key, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  stats(): LruStats {
    return { ...this.counts, size: this.entries.size, capacity: this.capacity };
  }
}
