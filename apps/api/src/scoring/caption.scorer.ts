import { corpusBleu, type TokenizedItem } from "./bleu.metric.js";
import { corpusCider } from "./cider.metric.js";
import { corpusMeteor } from "./meteor.metric.js";
import type { ParaphraseTable } from "./paraphrase.table.js";
import { splitTokens } from "./ngram.counts.js";
import { ptbTokenize } from "./ptb.tokenizer.js";
import { corpusRougeL } from "./rouge.metric.js";

export interface CaptionItem {
  id: string;
  candidate: string;
  references: string[];
}

export interface CaptionScores {
  BLEU_1: number;
  BLEU_2: number;
  BLEU_3: number;
  BLEU_4: number;
  METEOR: number;
  ROUGE_L: number;
  CIDEr: number;
}

export const CAPTION_METRIC_NAMES = [
  "BLEU_1",
  "BLEU_2",
  "BLEU_3",
  "BLEU_4",
  "METEOR",
  "ROUGE_L",
  "CIDEr",
] as const satisfies readonly (keyof CaptionScores)[];

export interface ScoreOptions {
  /**
   * Apply the PTB tokenisation step first (default true, as coco-caption does). Pass false for
   * text that is already tokenised and lowercased: it is then split on whitespace only.
   */
  tokenize?: boolean;
  /**
   * METEOR's paraphrase table, loaded for the texts being scored (see paraphrase.table.ts).
   * Without it METEOR runs exact/stem/synonym only and reads slightly low.
   */
  meteorParaphrases?: ParaphraseTable;
}

/** Tokenises items the way scoreCaptions does, for callers that score several ways. */
export function tokenizeItems(items: readonly CaptionItem[], opts: ScoreOptions = {}): TokenizedItem[] {
  const split = opts.tokenize === false ? splitTokens : ptbTokenize;
  return items.map((item) => ({
    candidate: split(item.candidate),
    references: item.references.map(split),
  }));
}

/**
 * The coco-caption metric set over a corpus of candidates. Ids must be unique: coco-caption keys
 * items by id, so a repeated id would silently replace an earlier item there.
 */
export function scoreCaptions(items: readonly CaptionItem[], opts: ScoreOptions = {}): CaptionScores {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.id)) throw new Error(`duplicate caption item id "${item.id}"`);
    if (item.references.length === 0) throw new Error(`item "${item.id}" has no references`);
    seen.add(item.id);
  }
  const tokenized = tokenizeItems(items, opts);
  const [b1 = 0, b2 = 0, b3 = 0, b4 = 0] = items.length === 0 ? [] : corpusBleu(tokenized, 4);
  return {
    BLEU_1: b1,
    BLEU_2: b2,
    BLEU_3: b3,
    BLEU_4: b4,
    METEOR: corpusMeteor(tokenized, undefined, opts.meteorParaphrases).score,
    ROUGE_L: corpusRougeL(tokenized),
    CIDEr: corpusCider(tokenized).score,
  };
}
