import { describe, expect, it, vi } from "vitest";
import { ptbTokenize } from "../scoring/ptb.tokenizer.js";
import { sentenceRougeL } from "../scoring/rouge.metric.js";
import { ConsensusTokenCache, parseConsensus, rerankByConsensus } from "./consensus.rerank.js";
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

describe("consensus token cache", () => {
  const texts = [
    "Axial CT shows a hypodense liver lesion.",
    "Axial CT of the liver shows a hypodense lesion.",
    "Axial CT demonstrates a liver lesion.",
    "Sagittal T2 MRI of the lumbar spine, L4-L5 disc herniation.",
    "",
    "CT Image",
  ];

  it("ranks exactly as the uncached per-pair sentence ROUGE-L did", () => {
    const tokens = texts.map((t) => ptbTokenize(t));
    const weight = 0.4;
    const expected = texts
      .map((t, i) => {
        let sum = 0;
        for (let j = 0; j < texts.length; j++) if (j !== i) sum += sentenceRougeL(tokens[i] as string[], [tokens[j] as string[]]);
        return { t, s: (1 - weight) * (0.5 - i / 100) + weight * (sum / (texts.length - 1)) };
      })
      .sort((a, b) => b.s - a.s)
      .map((x) => x.t);
    const input = texts.map((t, i) => match(t, 0.5 - i / 100));
    expect(rerankByConsensus(input, { candidates: texts.length, weight }).map((m) => m.text)).toEqual(expected);
    expect(rerankByConsensus(input, { candidates: texts.length, weight }, new ConsensusTokenCache()).map((m) => m.text)).toEqual(expected);
  });

  it("tokenises a caption once across calls, and a changed caption text afresh", () => {
    const tokenize = vi.fn((t: string) => ptbTokenize(t));
    const cache = new ConsensusTokenCache(100, tokenize);
    const input = texts.slice(0, 3).map((t, i) => match(t, 0.3 - i / 100));
    rerankByConsensus(input, { candidates: 3, weight: 0.3 }, cache);
    rerankByConsensus(input, { candidates: 3, weight: 0.3 }, cache);
    expect(tokenize).toHaveBeenCalledTimes(3);
    expect(cache.stats()).toMatchObject({ hits: 3, misses: 3, size: 3 });
    // An edited caption is a different text: it is tokenised, the others still come from the cache.
    const edited = [...input.slice(0, 2), match("Axial CT demonstrates a renal lesion.", 0.28)];
    rerankByConsensus(edited, { candidates: 3, weight: 0.3 }, cache);
    expect(tokenize).toHaveBeenCalledTimes(4);
    expect(tokenize).toHaveBeenLastCalledWith("Axial CT demonstrates a renal lesion.");
  });

  it("stays within its size, evicting the least recently used text", () => {
    const tokenize = vi.fn((t: string) => ptbTokenize(t));
    const cache = new ConsensusTokenCache(2, tokenize);
    cache.tokensOf("a b");
    cache.tokensOf("c d");
    cache.tokensOf("a b"); // now the most recent
    cache.tokensOf("e f"); // evicts "c d"
    expect(cache.stats().size).toBe(2);
    cache.tokensOf("a b");
    expect(tokenize).toHaveBeenCalledTimes(3);
    cache.tokensOf("c d");
    expect(tokenize).toHaveBeenCalledTimes(4);
  });
});
