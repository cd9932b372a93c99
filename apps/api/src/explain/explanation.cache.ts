// A bounded LRU of finished explanations. An explanation costs grid² + 1 image encodes; the same
// query image is explained again whenever a reviewer toggles "why?" back on, so repeats are answered
// from memory. The key holds everything the result depends on (see explanationKey), so an edited
// caption or a switched model never reads a stale entry.

export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
  capacity: number;
}

/**
 * Image content hash + target (caption id and a hash of its current text, or image id) + grid +
 * patch + model identity (name@version#manifest hash).
 */
export function explanationKey(parts: { imageSha256: string; target: string; grid: number; patch: number; model: string }): string {
  return `${parts.model}|${parts.imageSha256}|${parts.target}|g${parts.grid}p${parts.patch}`;
}

export class ExplanationCache<V> {
  private readonly entries = new Map<string, V>();
  private hits = 0;
  private misses = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError("capacity must be a non-negative integer");
  }

  /** The entry, refreshed as most recently used; undefined (a miss) when absent or the cache is off. */
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    if (this.capacity === 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, size: this.entries.size, capacity: this.capacity };
  }
}
