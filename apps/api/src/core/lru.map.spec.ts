import { describe, expect, it } from "vitest";
import { LruMap } from "./lru.map.js";

describe("LruMap", () => {
  it("evicts the least recently used, where a hit counts as a use", () => {
    const m = new LruMap<string, number>(2);
    m.set("a", 1);
    m.set("b", 2);
    expect(m.get("a")).toBe(1); // a is now the most recent
    m.set("c", 3); // evicts b
    expect(m.get("b")).toBeUndefined();
    expect([m.get("a"), m.get("c")]).toEqual([1, 3]);
    expect(m.stats()).toEqual({ hits: 3, misses: 1, evictions: 1, size: 2, capacity: 2 });
  });

  it("computes a missing value once, and keeps nothing at capacity 0", () => {
    const m = new LruMap<string, string>(4);
    let calls = 0;
    const make = (k: string) => {
      calls++;
      return k.toUpperCase();
    };
    expect([m.getOrSet("x", make), m.getOrSet("x", make)]).toEqual(["X", "X"]);
    expect(calls).toBe(1);
    const off = new LruMap<string, string>(0);
    expect([off.getOrSet("x", make), off.getOrSet("x", make)]).toEqual(["X", "X"]);
    expect(off.size).toBe(0);
    expect(() => new LruMap(-1)).toThrow(RangeError);
  });
});
