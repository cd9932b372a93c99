import { describe, expect, it } from "vitest";
import { seededRandom } from "../core/seeded.random.js";
import { bucketCost, DEFAULT_TEXT_BUCKET_COST, inOrderChunks, planCost, planTextBuckets, runInGroups } from "./text.buckets.js";

function expectPartition(groups: number[][], n: number, maxRows: number): void {
  expect(groups.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
  for (const g of groups) {
    expect(g.length).toBeGreaterThan(0);
    expect(g.length).toBeLessThanOrEqual(maxRows);
  }
}

/** The cheapest plan by brute force over every contiguous split of the sorted lengths (small n only). */
function bruteForceBest(lengths: number[], maxRows: number): number {
  const sorted = [...lengths].sort((a, b) => a - b);
  const n = sorted.length;
  let best = Number.POSITIVE_INFINITY;
  for (let mask = 0; mask < 1 << (n - 1); mask++) {
    let cost = 0;
    let start = 0;
    for (let j = 1; j <= n; j++) {
      if (j === n || mask & (1 << (j - 1))) {
        if (j - start > maxRows) cost = Number.POSITIVE_INFINITY;
        cost += bucketCost(j - start, sorted[j - 1] as number);
        start = j;
      }
    }
    best = Math.min(best, cost);
  }
  return best;
}

describe("planTextBuckets", () => {
  it("plans nothing for no rows and one run for one row", () => {
    expect(planTextBuckets([], 16)).toEqual([]);
    expect(planTextBuckets([40], 16)).toEqual([[0]]);
  });

  it("keeps rows of one length in one run, in the caller's order", () => {
    expect(planTextBuckets(Array(12).fill(34), 16)).toEqual([Array.from({ length: 12 }, (_, i) => i)]);
  });

  it("keeps a batch whose lengths differ little in one run, in the caller's order", () => {
    // Splitting off the 33s would save 3 padded tokens, less than one more run costs.
    const lengths = [32, 33, 32, 33, 32, 32, 33];
    expect(planTextBuckets(lengths, 16)).toEqual([[0, 1, 2, 3, 4, 5, 6]]);
  });

  it("runs one long text alone rather than padding many short ones to its length", () => {
    const lengths = [16, 16, 16, 128, 16, 16, 16, 16, 16, 16, 16, 16];
    const groups = planTextBuckets(lengths, 16);
    expect(groups).toEqual([[0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11], [3]]);
    expect(planCost(lengths, groups)).toBeLessThan(bucketCost(lengths.length, 128) / 4);
  });

  it("never puts more than maxRows rows in one run", () => {
    const groups = planTextBuckets(Array(40).fill(20), 16);
    expectPartition(groups, 40, 16);
    expect(groups).toHaveLength(3);
  });

  it("rejects a maxRows that is not a positive integer", () => {
    expect(() => planTextBuckets([10, 20], 0)).toThrow(RangeError);
    expect(() => planTextBuckets([10, 20], 1.5)).toThrow(RangeError);
  });

  it("finds the cheapest contiguous plan of the sorted lengths (random batches against brute force)", () => {
    const next = seededRandom(14);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(next() * 11);
      const maxRows = 1 + Math.floor(next() * 12);
      const lengths = Array.from({ length: n }, () => 3 + Math.floor(next() * 126));
      const groups = planTextBuckets(lengths, maxRows);
      expectPartition(groups, n, maxRows);
      expect(planCost(lengths, groups)).toBeCloseTo(bruteForceBest(lengths, maxRows), 6);
    }
  });

  it("costs no more than one padded run, and no more than the caller's maxRows chunks (random batches)", () => {
    const next = seededRandom(7);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(next() * 300);
      const maxRows = 1 + Math.floor(next() * 64);
      // MedPix-like: mostly 14–60 tokens, a tail up to 128.
      const lengths = Array.from({ length: n }, () => (next() < 0.85 ? 14 + Math.floor(next() * 46) : 60 + Math.floor(next() * 69)));
      const groups = planTextBuckets(lengths, maxRows);
      expectPartition(groups, n, maxRows);
      const planned = planCost(lengths, groups);
      expect(planned).toBeLessThanOrEqual(planCost(lengths, inOrderChunks(n, maxRows)) + 1e-9);
      if (n <= maxRows) expect(planned).toBeLessThanOrEqual(bucketCost(n, Math.max(...lengths)) + 1e-9);
    }
  });

  it("splits less when a run's fixed cost is higher", () => {
    const lengths = [14, 20, 26, 32, 38, 44, 50, 56, 62, 68, 74, 80];
    const cheapRuns = planTextBuckets(lengths, 16, { ...DEFAULT_TEXT_BUCKET_COST, perRun: 1 });
    const dearRuns = planTextBuckets(lengths, 16, { ...DEFAULT_TEXT_BUCKET_COST, perRun: 400 });
    expect(cheapRuns.length).toBeGreaterThan(dearRuns.length);
    expect(planTextBuckets(lengths, 16, { ...DEFAULT_TEXT_BUCKET_COST, perRun: 1e6 })).toHaveLength(1);
  });
});

describe("inOrderChunks", () => {
  it("is the caller's order in maxRows chunks", () => {
    expect(inOrderChunks(5, 2)).toEqual([[0, 1], [2, 3], [4]]);
    expect(inOrderChunks(0, 4)).toEqual([]);
  });
});

describe("runInGroups", () => {
  it("returns the results in the items' order whatever order the groups run in", async () => {
    const items = ["a", "bb", "ccc", "dddd", "ee"];
    const seen: string[][] = [];
    const out = await runInGroups(items, [[4, 1], [0], [3, 2]], async (group) => {
      seen.push(group);
      return group.map((s) => s.toUpperCase());
    });
    expect(out).toEqual(["A", "BB", "CCC", "DDDD", "EE"]);
    expect(seen).toEqual([["ee", "bb"], ["a"], ["dddd", "ccc"]]);
  });

  it("runs a plan's groups one after another, never two at once", async () => {
    let running = 0;
    let most = 0;
    const lengths = [10, 90, 12, 88, 11, 95];
    const groups = planTextBuckets(lengths, 16);
    expect(groups.length).toBeGreaterThan(1);
    const out = await runInGroups(lengths, groups, async (group) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 1));
      running--;
      return group.map((l) => l * 2);
    });
    expect(most).toBe(1);
    expect(out).toEqual(lengths.map((l) => l * 2));
  });

  it("hands a single in-order group over as the whole batch", async () => {
    const calls: number[][] = [];
    const out = await runInGroups([3, 1, 2], [[0, 1, 2]], async (group) => {
      calls.push(group);
      return group.map(String);
    });
    expect(calls).toEqual([[3, 1, 2]]);
    expect(out).toEqual(["3", "1", "2"]);
  });

  it("refuses a group whose run returns the wrong number of results, or a plan that misses an item", async () => {
    await expect(runInGroups([1, 2], [[0], [1]], async () => [])).rejects.toThrow(RangeError);
    await expect(runInGroups([1, 2, 3], [[0], [2]], async (g) => g)).rejects.toThrow(/no group holds item 1/);
  });

  it("runs nothing for no items", async () => {
    let calls = 0;
    expect(
      await runInGroups([], [], async (g) => {
        calls++;
        return g;
      }),
    ).toEqual([]);
    expect(calls).toBe(0);
  });
});
