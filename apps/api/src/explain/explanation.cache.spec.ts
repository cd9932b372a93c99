import { describe, expect, it } from "vitest";
import { ExplanationCache, explanationKey } from "./explanation.cache.js";

describe("ExplanationCache", () => {
  it("evicts the least recently used entry and counts hits and misses", () => {
    const cache = new ExplanationCache<number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1); // a is now the newest
    cache.set("c", 3); // evicts b
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("c")).toBe(3);
    expect(cache.stats()).toEqual({ hits: 2, misses: 1, size: 2, capacity: 2 });
  });

  it("stores nothing with capacity 0", () => {
    const cache = new ExplanationCache<number>(0);
    cache.set("a", 1);
    expect(cache.get("a")).toBeUndefined();
  });

  it("keys differ by every part", () => {
    const base = { imageSha256: "h", target: "caption:1:t", grid: 8, patch: 1, model: "m@1#s" };
    const keys = new Set([
      explanationKey(base),
      explanationKey({ ...base, imageSha256: "h2" }),
      explanationKey({ ...base, target: "caption:1:t2" }),
      explanationKey({ ...base, grid: 4 }),
      explanationKey({ ...base, patch: 2 }),
      explanationKey({ ...base, model: "m@2#s" }),
    ]);
    expect(keys.size).toBe(6);
  });
});
