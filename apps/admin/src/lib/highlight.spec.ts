import { describe, expect, it } from "vitest";
import { highlightWords } from "./highlight";

describe("highlightWords", () => {
  it("marks whole words, case-insensitively, longest first", () => {
    expect(highlightWords("Axial T2 FLAIR of the lung; lungs clear", ["lung", "t2", "T2 FLAIR"])).toEqual([
      { text: "Axial ", mark: false },
      { text: "T2 FLAIR", mark: true },
      { text: " of the ", mark: false },
      { text: "lung", mark: true },
      { text: "; lungs clear", mark: false },
    ]);
  });

  it("leaves text without words as it is", () => {
    expect(highlightWords("Mass (1.2 cm)", [])).toEqual([{ text: "Mass (1.2 cm)", mark: false }]);
    // Regex characters in words are taken literally.
    expect(highlightWords("a+b or ab", ["a+b"])).toEqual([
      { text: "a+b", mark: true },
      { text: " or ab", mark: false },
    ]);
  });
});
