import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { alignWords, corpusMeteor, meteorNormalize, meteorStats } from "./meteor.metric.js";
import { ParaphraseTable } from "./paraphrase.table.js";
import { sharedWordNet } from "./wordnet.synonyms.js";

const words = (s: string) => s.split(" ");
const item = (candidate: string, ...references: string[]) => ({
  candidate: words(candidate),
  references: references.map(words),
});

// A table in Meteor's paraphrase-en.gz layout (probability, phrase, paraphrase) with made-up
// words, so the paraphrase module is the only one that can match them.
async function tinyTable(vocabulary: Iterable<string>): Promise<ParaphraseTable> {
  const dir = mkdtempSync(join(tmpdir(), "medcap-para-"));
  try {
    const file = join(dir, "paraphrase-en.gz");
    const lines = ["0.5", "zzq", "yyx", "0.4", "qqa qqb", "rrc", "0.3", "zzq", "unseenword"];
    writeFileSync(file, gzipSync(`${lines.join("\n")}\n`));
    return await ParaphraseTable.load(file, new Set(vocabulary));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("corpusMeteor", () => {
  it("scores a corpus of exact copies 1, as the jar skips chunks of perfect matches", () => {
    const { score } = corpusMeteor([item("a b c d e", "a b c d e"), item("f g h", "f g h")]);
    expect(score).toBe(1);
  });

  it("takes the best reference per item and sums statistics over the corpus", () => {
    const corpus = [item("the mass is large", "a mass", "the mass is large"), item("axial ct", "coronal mri")];
    const { score, perItem } = corpusMeteor(corpus);
    expect(perItem[0]).toBe(1);
    expect(perItem[1]).toBe(0);
    // summed statistics, not the mean of sentence scores
    expect(score).not.toBeCloseTo(((perItem[0] ?? 0) + (perItem[1] ?? 0)) / 2, 3);
    expect(score).toBeGreaterThan(0);
  });

  it("matches stems with Snowball English and synonyms through WordNet", () => {
    const wordnet = sharedWordNet();
    const stem = alignWords(words("mildly enhancing"), words("mild enhancement"), wordnet);
    expect(stem.map((m) => m.module)).toEqual([1, 1]);
    const synonym = alignWords(words("big tumor"), words("large tumour"), wordnet);
    expect(synonym.map((m) => m.module)).toEqual([2, 2]);
  });
});

describe("METEOR paraphrase module", () => {
  it("keeps only the table pairs made of known words", async () => {
    const table = await tinyTable(["zzq", "yyx", "qqa", "qqb", "rrc"]);
    expect(table.size).toBe(2);
  });

  it("adds one- and multi-word paraphrase matches at weight 0.6", async () => {
    const test = words("zzq mass qqa qqb");
    const ref = words("yyx mass rrc");
    const table = await tinyTable([...test, ...ref]);
    const wordnet = sharedWordNet();
    expect(meteorStats(test, ref, wordnet).testWordMatches).toBe(1);
    const stats = meteorStats(test, ref, wordnet, table);
    expect(stats.testWordMatches).toBe(4);
    expect(stats.refWordMatches).toBe(3);
    expect(stats.testContentMatches[3]).toBe(3);
    expect(stats.chunks).toBe(1);
    const without = corpusMeteor([item(test.join(" "), ref.join(" "))], wordnet).score;
    const withTable = corpusMeteor([item(test.join(" "), ref.join(" "))], wordnet, table).score;
    expect(withTable).toBeGreaterThan(without);
  });
});

describe("meteorNormalize", () => {
  it("follows the jar's -norm on tokenised captions", () => {
    expect(meteorNormalize(words("the patient 's l-spine t1/t2 e.g. figure c. axial x-ray done ."))).toEqual(
      words("the patient ' s l spine t1 / t2 eg figure c. axial x ray done ."),
    );
  });
});
