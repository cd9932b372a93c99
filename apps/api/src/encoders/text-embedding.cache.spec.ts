import { describe, expect, it } from "vitest";
import { normalizeForCache, TextEmbeddingCache } from "./text-embedding.cache.js";

/** An encoder that records what it was asked and returns a vector derived from the text. */
function recorder() {
  const calls: string[] = [];
  const encode = async (text: string) => {
    calls.push(text);
    return Float32Array.from([text.length, calls.length]);
  };
  return { calls, encode };
}

describe("TextEmbeddingCache", () => {
  it("answers a repeated text from the cache and counts hits and misses", async () => {
    const cache = new TextEmbeddingCache(8, "m@1", true);
    const { calls, encode } = recorder();
    const a = await cache.get("Axial CT of the liver", encode);
    const b = await cache.get("  axial   ct of the LIVER ", encode);
    expect(calls).toEqual(["Axial CT of the liver"]);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, size: 1, capacity: 8 });
  });

  it("returns copies, so a caller that writes into its vector cannot corrupt the cache", async () => {
    const cache = new TextEmbeddingCache(8, "m@1", true);
    const { encode } = recorder();
    const first = await cache.get("x", encode);
    first[0] = 42;
    expect((await cache.get("x", encode))[0]).toBe(1);
  });

  it("keeps case when the tokenizer is cased", async () => {
    const cache = new TextEmbeddingCache(8, "m@1", false);
    const { calls, encode } = recorder();
    await cache.get("T2 MRI", encode);
    await cache.get("t2 mri", encode);
    expect(calls).toHaveLength(2);
  });

  it("evicts the least recently used entry beyond its capacity", async () => {
    const cache = new TextEmbeddingCache(2, "m@1", true);
    const { calls, encode } = recorder();
    await cache.get("a", encode);
    await cache.get("b", encode);
    await cache.get("a", encode); // a is now the most recent
    await cache.get("c", encode); // evicts b
    await cache.get("a", encode);
    await cache.get("b", encode);
    expect(calls).toEqual(["a", "b", "c", "b"]);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 4, evictions: 2, size: 2 });
  });

  it("shares one encode between concurrent identical requests", async () => {
    const cache = new TextEmbeddingCache(8, "m@1", true);
    const { calls, encode } = recorder();
    const vectors = await Promise.all([cache.get("pe", encode), cache.get("PE", encode), cache.get("pe ", encode)]);
    expect(calls).toEqual(["pe"]);
    expect(new Set(vectors.map((v) => v.join()))).toEqual(new Set(["2,1"]));
  });

  it("does not cache failures", async () => {
    const cache = new TextEmbeddingCache(8, "m@1", true);
    let fail = true;
    const encode = async () => {
      if (fail) throw new Error("boom");
      return Float32Array.from([1]);
    };
    await expect(cache.get("x", encode)).rejects.toThrow("boom");
    fail = false;
    expect(Array.from(await cache.get("x", encode))).toEqual([1]);
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 2, size: 1 });
  });

  it("is off with capacity 0", async () => {
    const cache = new TextEmbeddingCache(0, "m@1", true);
    const { calls, encode } = recorder();
    await cache.get("a", encode);
    await cache.get("a", encode);
    expect(calls).toHaveLength(2);
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 0, size: 0 });
  });

  it("normalises only what the tokenizer ignores", () => {
    expect(normalizeForCache("\tA  b\nC ", true)).toBe("a b c");
    expect(normalizeForCache("e\u0301", false)).toBe("\u00e9");
    expect(normalizeForCache("A-b", true)).not.toBe(normalizeForCache("A b", true));
  });
});
