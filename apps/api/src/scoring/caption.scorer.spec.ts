import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CAPTION_METRICS_FIXTURE } from "../eval/fixture.paths.js";
import { type CAPTION_METRIC_NAMES, type CaptionItem, scoreCaptions } from "./caption.scorer.js";

interface FixtureCase {
  name: string;
  items: CaptionItem[];
  expected: Partial<Record<(typeof CAPTION_METRIC_NAMES)[number], number>>;
}

const fixture = JSON.parse(readFileSync(CAPTION_METRICS_FIXTURE, "utf8")) as {
  cases: FixtureCase[];
};

// METEOR here has no paraphrase module (see meteor.metric.ts). On the fixtures that costs
// 0.0133 on "two-images-two-references-each" (0.282531 vs 0.295797) and nothing elsewhere;
// the bound leaves a little room for stem/synonym differences, not for a broken scorer.
const METEOR_TOLERANCE = 0.015;

// The Meteor 1.5 jar run with the same modules we have (`-m "exact stem synonym" -w "1.0 0.6
// 0.8"`, by models/toolkit/reference/coco_score.py): without the paraphrase table we match it.
const METEOR_JAR_WITHOUT_PARAPHRASE: Record<string, number> = {
  "single-candidate-two-references": 0.4443438716486749,
  "two-images-two-references-each": 0.2825308479501601,
};

describe("scoreCaptions against the coco-caption fixture vectors", () => {
  it("has cases to check", () => {
    expect(fixture.cases.length).toBeGreaterThan(0);
  });

  for (const testCase of fixture.cases) {
    it(`reproduces ${testCase.name}`, () => {
      // the fixture's texts are pre-tokenised lowercase: no PTB step, as coco-caption scored them
      const got = scoreCaptions(testCase.items, { tokenize: false });
      for (const name of ["BLEU_1", "BLEU_2", "BLEU_3", "BLEU_4", "ROUGE_L", "CIDEr"] as const) {
        const expected = testCase.expected[name];
        if (expected === undefined) continue;
        expect(Math.abs(got[name] - expected), `${name}: got ${got[name]}, expected ${expected}`).toBeLessThan(1e-4);
      }
      const meteor = testCase.expected.METEOR;
      if (meteor !== undefined) {
        console.log(`[${testCase.name}] METEOR expected ${meteor} got ${got.METEOR.toFixed(6)} gap ${(got.METEOR - meteor).toFixed(6)}`);
        expect(Math.abs(got.METEOR - meteor)).toBeLessThan(METEOR_TOLERANCE);
      }
      const jar = METEOR_JAR_WITHOUT_PARAPHRASE[testCase.name];
      if (jar !== undefined) expect(Math.abs(got.METEOR - jar)).toBeLessThan(1e-6);
    });
  }
});

describe("scoreCaptions input handling", () => {
  it("rejects duplicate ids, which coco-caption would silently merge", () => {
    const item = { id: "a", candidate: "x", references: ["x"] };
    expect(() => scoreCaptions([item, item])).toThrow(/duplicate/);
  });

  it("applies the PTB step by default, so casing and punctuation do not change scores", () => {
    const raw = scoreCaptions([
      {
        id: "1",
        candidate: "Axial CT of the chest.",
        references: ["Axial CT, chest: normal!"],
      },
      { id: "2", candidate: "MRI of the brain", references: ["Brain MRI."] },
    ]);
    const clean = scoreCaptions(
      [
        {
          id: "1",
          candidate: "axial ct of the chest",
          references: ["axial ct chest normal"],
        },
        { id: "2", candidate: "mri of the brain", references: ["brain mri"] },
      ],
      { tokenize: false },
    );
    expect(raw).toEqual(clean);
  });

  it("gives a perfect candidate perfect n-gram scores", () => {
    const s = scoreCaptions([
      { id: "1", candidate: "a b c d e", references: ["a b c d e"] },
      { id: "2", candidate: "f g h i j", references: ["f g h i j"] },
    ]);
    expect(s.BLEU_4).toBeCloseTo(1, 6);
    expect(s.ROUGE_L).toBeCloseTo(1, 6);
    expect(s.METEOR).toBeGreaterThan(0.99);
  });
});
