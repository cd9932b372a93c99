import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/config.js";
import { basicTokenize, type WordPieceOptions, WordPieceTokenizer } from "./wordpiece.tokenizer.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const tinyDir = path.join(here, "fixtures", "tiny-model");
const modelsRoot = path.resolve(here, "../../../../models");
const committedModels = readdirSync(modelsRoot).filter((d) => existsSync(path.join(modelsRoot, d, "parity.json")));
/** The served-by-default model: its 30k vocabulary is the one that matters. */
const baseDir = loadConfig({}).modelDir;

const bert: WordPieceOptions = {
  maxLength: 8,
  lowercase: true,
  stripAccents: true,
  clsToken: "[CLS]",
  sepToken: "[SEP]",
  padToken: "[PAD]",
  unkToken: "[UNK]",
};

const VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "cm", "3", ".", "5", "mass", "cafe", "##s"];
const small = WordPieceTokenizer.fromVocabText(VOCAB.join("\n") + "\n", bert);

interface ParityFile {
  texts: { text: string; inputIds: number[] }[];
}

function tokenizerFor(dir: string): { tokenizer: WordPieceTokenizer; parity: ParityFile } {
  const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8"));
  const tok = manifest.text.tokenizer;
  const tokenizer = WordPieceTokenizer.fromVocabText(readFileSync(path.join(dir, tok.vocab), "utf8"), tok);
  return { tokenizer, parity: JSON.parse(readFileSync(path.join(dir, "parity.json"), "utf8")) };
}

describe("basicTokenize (BERT BasicTokenizer)", () => {
  it("splits punctuation and keeps numbers apart from units", () => {
    expect(basicTokenize("A 3.5 cm mass (arrow), no enhancement; see Fig. 2b!")).toEqual([
      "a",
      "3",
      ".",
      "5",
      "cm",
      "mass",
      "(",
      "arrow",
      ")",
      ",",
      "no",
      "enhancement",
      ";",
      "see",
      "fig",
      ".",
      "2b",
      "!",
    ]);
    expect(basicTokenize("L4-L5 T2-weighted")).toEqual(["l4", "-", "l5", "t2", "-", "weighted"]);
  });

  it("lowercases, decomposes and drops combining marks", () => {
    expect(basicTokenize("Café-au-lait Ménétrier naïve façade RÉSUMÉ")).toEqual([
      "cafe",
      "-",
      "au",
      "-",
      "lait",
      "menetrier",
      "naive",
      "facade",
      "resume",
    ]);
  });

  it("treats Unicode punctuation (P*) as punctuation but not symbols", () => {
    expect(basicTokenize("mass — «large» 5 mm² ±2")).toEqual(["mass", "—", "«", "large", "»", "5", "mm²", "±2"]);
  });

  it("isolates CJK ideographs but not kana", () => {
    expect(basicTokenize("脑MRI显示 カタカナ")).toEqual(["脑", "mri", "显", "示", "カタカナ"]);
  });

  it("cleans control characters, U+FFFD and odd whitespace", () => {
    expect(basicTokenize("a\u0000b\uFFFDc\u200bd\tline\nnext\u00a0nbsp\u3000ideo\u2028sep")).toEqual([
      "abcd",
      "line",
      "next",
      "nbsp",
      "ideo",
      "sep",
    ]);
    expect(basicTokenize("   \t\n ")).toEqual([]);
    expect(basicTokenize("")).toEqual([]);
  });

  it("counts astral characters as one code point", () => {
    expect(basicTokenize("𠀀x")).toEqual(["𠀀", "x"]);
  });
});

describe("WordPieceTokenizer", () => {
  it("applies greedy longest-match-first with ## continuations", () => {
    expect(small.tokenize("unaffable cafes")).toEqual(["un", "##aff", "##able", "cafe", "##s"]);
  });

  it("maps an unsplittable word to a single [UNK]", () => {
    expect(small.tokenize("unaffablex mass")).toEqual(["[UNK]", "mass"]);
  });

  it("maps words over 100 code points to [UNK]", () => {
    const tok = WordPieceTokenizer.fromVocabText([...VOCAB, "a", "##a"].join("\n"), bert);
    expect(tok.tokenize("a".repeat(100))).toHaveLength(100);
    expect(tok.tokenize("a".repeat(101))).toEqual(["[UNK]"]);
  });

  it("wraps in [CLS] … [SEP] and truncates to maxLength", () => {
    expect(small.encode("3.5 cm mass")).toEqual([2, 8, 9, 10, 7, 11, 3]);
    expect(small.encode("3.5 cm mass 3.5 cm mass")).toEqual([2, 8, 9, 10, 7, 11, 8, 3]);
    expect(small.encode("")).toEqual([2, 3]);
  });

  it("pads a batch to its longest row with [PAD] and a zero mask", () => {
    const batch = small.batch(["mass", "3.5 cm"]);
    expect(batch.sequenceLength).toBe(6);
    expect(Array.from(batch.inputIds, Number)).toEqual([2, 11, 3, 0, 0, 0, 2, 8, 9, 10, 7, 3]);
    expect(Array.from(batch.attentionMask, Number)).toEqual([1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  });

  it("keeps the first id of a duplicated vocab line, as the toolkit does", () => {
    const tok = WordPieceTokenizer.fromVocabText(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "x", "x"].join("\n"), bert);
    expect(tok.encode("x")).toEqual([2, 4, 3]);
  });

  it("refuses a vocabulary without its special tokens", () => {
    expect(() => WordPieceTokenizer.fromVocabText("a\nb\n", bert)).toThrow(/special token \[CLS\]/);
  });
});

describe("parity with the toolkit's tokenizer", () => {
  it("matches every inputIds of the tiny fixture (toolkit tokenizer.py output)", () => {
    const { tokenizer, parity } = tokenizerFor(tinyDir);
    expect(parity.texts.length).toBeGreaterThan(5);
    for (const { text, inputIds } of parity.texts) expect(tokenizer.encode(text), text).toEqual(inputIds);
  });

  it.each(committedModels)("matches every inputIds of models/%s/parity.json", (folder) => {
    const { tokenizer, parity } = tokenizerFor(path.join(modelsRoot, folder));
    for (const { text, inputIds } of parity.texts) expect(tokenizer.encode(text), text).toEqual(inputIds);
  });

  it.skipIf(!existsSync(path.join(baseDir, "vocab.txt")))("tokenises with the real 30k vocabulary as the toolkit does", () => {
    const { tokenizer } = tokenizerFor(baseDir);
    // Expected pieces printed by medcap_toolkit.tokenizer on the same vocab.txt.
    expect(tokenizer.tokenize("Axial CT: 3.5 cm hypodense lesion")).toEqual([
      "axial",
      "ct",
      ":",
      "3",
      ".",
      "5",
      "cm",
      "h",
      "##yp",
      "##ode",
      "##nse",
      "les",
      "##ion",
    ]);
    expect(tokenizer.tokenize("mass — «large» 5 mm² ±2 Ménétrier 脑MRI")).toEqual([
      "mass",
      "—",
      "«",
      "large",
      "»",
      "5",
      "mm",
      "##²",
      "±",
      "##2",
      "men",
      "##et",
      "##rier",
      "[UNK]",
      "mri",
    ]);
    expect(tokenizer.encode("x".repeat(5000)).length).toBe(3);
    expect(tokenizer.encode("word ".repeat(500))).toHaveLength(128);
  });

  it("matches the toolkit on 400 MedPix captions and random Unicode strings (fixtures/tokenizer-cases.json)", () => {
    const fixture = JSON.parse(readFileSync(path.join(here, "fixtures", "tokenizer-cases.json"), "utf8")) as {
      vocabSha256: string;
      maxLength: number;
      cases: { text: string; inputIds: number[] }[];
    };
    const vocabText = readFileSync(path.join(baseDir, "vocab.txt"), "utf8");
    const vocabSha = createHash("sha256").update(vocabText).digest("hex");
    expect(vocabSha, "the model vocabulary changed: rerun fixtures/make_tokenizer_cases.py").toBe(fixture.vocabSha256);
    const tokenizer = WordPieceTokenizer.fromVocabText(vocabText, { ...bert, maxLength: fixture.maxLength });
    expect(fixture.cases.length).toBeGreaterThan(400);
    for (const { text, inputIds } of fixture.cases) expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(inputIds);
  });
});
