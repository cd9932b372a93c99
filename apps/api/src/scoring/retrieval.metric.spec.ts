import { describe, expect, it } from "vitest";
import { bootstrapMeanInterval } from "../eval/bootstrap.interval.js";
import {
  buildRelevance,
  hitsAt,
  rankOfFirstCorrect,
  ranksFromSimilarity,
  retrievalFromRankedLists,
  retrievalFromSimilarity,
  summarizeRanks,
} from "./retrieval.metric.js";

// Image b carries one caption twice (whitespace differs); images a and c share a caption text.
const pairs = [
  { imageId: "a", captionText: "axial ct" },
  { imageId: "b", captionText: "mri brain" },
  { imageId: "b", captionText: " mri   brain " },
  { imageId: "c", captionText: "axial  ct" },
];

// rows: images a, b, c; columns: captions 0..3
const similarity = [
  [0.1, 0.9, 0.2, 0.8],
  [0.3, 0.1, 0.7, 0.2],
  [0.9, 0.5, 0.4, 0.3],
];

describe("buildRelevance", () => {
  it("counts textual twins as correct for every image carrying them", () => {
    const rel = buildRelevance(pairs);
    expect(rel.imageIds).toEqual(["a", "b", "c"]);
    expect(rel.captionImage).toEqual([0, 1, 1, 2]);
    expect(rel.relevant.map((s) => [...s].sort())).toEqual([
      [0, 3],
      [1, 2],
      [0, 3],
    ]);
  });
});

describe("retrieval metrics from a similarity matrix", () => {
  const { relevant } = buildRelevance(pairs);

  it("ranks the first correct caption per image, accepting a twin caption", () => {
    const ranks = ranksFromSimilarity(similarity, relevant);
    // image c's best caption is image a's "axial ct": a twin of its own, so rank 1
    expect(ranks.imageToText).toEqual([2, 1, 1]);
    expect(ranks.textToImage).toEqual([1, 3, 1, 1]);
  });

  it("summarises Recall@k, MRR and median rank in both directions", () => {
    const s = retrievalFromSimilarity(similarity, relevant);
    expect(s.imageToText.R1).toBeCloseTo(2 / 3, 12);
    expect(s.imageToText.R5).toBe(1);
    expect(s.imageToText.R10).toBe(1);
    expect(s.imageToText.MRR).toBeCloseTo((0.5 + 1 + 1) / 3, 12);
    expect(s.imageToText.medianRank).toBe(1);
    expect(s.imageToText.queries).toBe(3);
    expect(s.textToImage.R1).toBe(0.75);
    expect(s.textToImage.MRR).toBeCloseTo((1 + 1 / 3 + 1 + 1) / 4, 12);
    expect(s.textToImage.medianRank).toBe(1);
    expect(s.textToImage.queries).toBe(4);
  });

  it("without the twin rule image c would miss at rank 1", () => {
    const strict = [new Set([0]), new Set([1, 2]), new Set([3])];
    expect(ranksFromSimilarity(similarity, strict).imageToText).toEqual([4, 1, 4]);
  });

  it("breaks ties against the query so constant scores cannot look good", () => {
    expect(rankOfFirstCorrect([0, 0, 0, 0], new Set([0, 3]))).toBe(3);
    const flat = retrievalFromSimilarity(
      similarity.map((row) => row.map(() => 0)),
      relevant,
    );
    expect(flat.imageToText.R1).toBe(0);
  });

  it("rejects a matrix that does not fit the relevance sets", () => {
    expect(() => ranksFromSimilarity(similarity.slice(0, 2), relevant)).toThrow(/image rows/);
  });
});

describe("retrieval metrics from ranked lists", () => {
  const { relevant } = buildRelevance(pairs);

  it("agrees with the matrix form when lists are the full sorted order", () => {
    const order = (scores: number[]) =>
      scores
        .map((s, j) => [s, j] as const)
        .sort((x, y) => y[0] - x[0])
        .map(([, j]) => j);
    const columns = [0, 1, 2, 3].map((c) => similarity.map((row) => row[c] ?? 0));
    const fromLists = retrievalFromRankedLists({ imageToText: similarity.map(order), textToImage: columns.map(order) }, relevant);
    expect(fromLists).toEqual(retrievalFromSimilarity(similarity, relevant));
  });

  it("counts a correct item missing from a truncated list as a miss", () => {
    const s = retrievalFromRankedLists({ imageToText: [[1], [2], [1]], textToImage: [[1], [0], [1], [2]] }, relevant);
    expect(s.imageToText.R10).toBeCloseTo(1 / 3, 12);
    expect(s.imageToText.MRR).toBeCloseTo(1 / 3, 12);
    expect(s.textToImage.R1).toBe(0.5);
    expect(s.imageToText.medianRank).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("summarizeRanks", () => {
  it("takes the mean of the two middle ranks for an even count", () => {
    expect(summarizeRanks([4, 1, 3, 2]).medianRank).toBe(2.5);
    expect(summarizeRanks([7, 1, 3]).medianRank).toBe(3);
  });

  it("reports zeros, not NaN, for no queries", () => {
    expect(summarizeRanks([])).toEqual({
      R1: 0,
      R5: 0,
      R10: 0,
      MRR: 0,
      medianRank: 0,
      queries: 0,
    });
  });
});

describe("bootstrapMeanInterval", () => {
  const hits = hitsAt(
    Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 3 : 20)),
    10,
  );

  it("is reproducible for a seed and brackets the estimate", () => {
    const a = bootstrapMeanInterval(hits, { seed: 7 });
    const b = bootstrapMeanInterval(hits, { seed: 7 });
    expect(a).toEqual(b);
    expect(a.estimate).toBe(0.5);
    expect(a.low).toBeLessThan(0.5);
    expect(a.high).toBeGreaterThan(0.5);
    // normal approximation: 1.96 * sqrt(0.25 / 400) ≈ 0.049
    expect(a.high - a.low).toBeGreaterThan(0.07);
    expect(a.high - a.low).toBeLessThan(0.13);
  });

  it("changes with the seed but not its width much", () => {
    const a = bootstrapMeanInterval(hits, { seed: 1 });
    const b = bootstrapMeanInterval(hits, { seed: 2 });
    expect(a).not.toEqual(b);
    expect(Math.abs(a.high - a.low - (b.high - b.low))).toBeLessThan(0.02);
  });

  it("collapses to the value for constant data", () => {
    const c = bootstrapMeanInterval([1, 1, 1, 1], { seed: 3 });
    expect([c.low, c.estimate, c.high]).toEqual([1, 1, 1]);
  });
});
