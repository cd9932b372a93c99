import { describe, expect, it } from "vitest";
import { captionWords, leaveOneOutVariants, wordWeights } from "./word-weights.js";

describe("captionWords", () => {
  it("splits on whitespace, keeps punctuation and offsets", () => {
    expect(captionWords("  Axial CT,  liver lesion.")).toEqual([
      { word: "Axial", start: 2 },
      { word: "CT,", start: 8 },
      { word: "liver", start: 13 },
      { word: "lesion.", start: 19 },
    ]);
  });
});

describe("leaveOneOutVariants", () => {
  it("drops one word per variant, only for the first maxWords words", () => {
    const words = captionWords("a b c d");
    expect(leaveOneOutVariants(words)).toEqual(["b c d", "a c d", "a b d", "a b c"]);
    expect(leaveOneOutVariants(words, 2)).toEqual(["b c d", "a c d"]);
  });
});

describe("wordWeights", () => {
  it("is the similarity drop, scaled by the largest |drop| with its sign; unscored words are null", () => {
    const words = captionWords("mass in liver");
    const out = wordWeights(words, 0.5, [0.3, 0.55]);
    expect(out[0]).toMatchObject({ word: "mass", weight: 1 });
    expect(out[0]!.drop).toBeCloseTo(0.2);
    expect(out[1]!.weight).toBeCloseTo(-0.25);
    expect(out[2]).toEqual({ word: "liver", start: 8, drop: null, weight: null });
  });

  it("gives weight 0 when no word changes anything", () => {
    expect(wordWeights(captionWords("a b"), 0.4, [0.4, 0.4]).map((w) => w.weight)).toEqual([0, 0]);
  });
});
