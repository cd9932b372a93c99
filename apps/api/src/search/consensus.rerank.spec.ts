import { describe, expect, it } from "vitest";
import { parseConsensus, rerankByConsensus } from "./consensus.rerank.js";
import type { CaptionMatch } from "./search.types.js";

const model = { name: "m", version: "1", modelVersionId: "mv" };
const match = (text: string, score: number): CaptionMatch => ({
  text,
  score,
  similarity: score,
  vote: 0,
  strategy: "text",
  supportingImages: [],
  captionIds: [],
  imageIds: [],
  caseIds: [],
  model,
});

describe("consensus re-ranking", () => {
  it("promotes the caption the other candidates agree with, keeping each cosine score", () => {
    const ranked = rerankByConsensus(
      [
        match("Unrelated outlier phrase about a knee.", 0.31),
        match("Axial CT shows a hypodense liver lesion.", 0.3),
        match("Axial CT of the liver shows a hypodense lesion.", 0.29),
        match("Axial CT demonstrates a liver lesion.", 0.28),
      ],
      { candidates: 4, weight: 0.5 },
    );
    expect(ranked[0]?.text).toMatch(/liver/);
    expect(ranked[ranked.length - 1]?.text).toMatch(/knee/);
    expect(ranked.find((m) => m.text.includes("knee"))?.score).toBe(0.31);
  });

  it("with weight 0 keeps the similarity order", () => {
    const input = [match("a b c", 0.5), match("d e f", 0.4), match("a b c d", 0.3)];
    expect(rerankByConsensus(input, { candidates: 3, weight: 0 }).map((m) => m.score)).toEqual([0.5, 0.4, 0.3]);
  });

  it("parses m:w and off, and refuses nonsense", () => {
    expect(parseConsensus("10:0.3")).toEqual({ candidates: 10, weight: 0.3 });
    expect(parseConsensus("off")).toBeNull();
    expect(() => parseConsensus("1:0.3")).toThrow(/m:w/);
    expect(() => parseConsensus("10:2")).toThrow(/m:w/);
  });
});
