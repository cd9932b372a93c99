import type { TokenizedItem } from "./bleu.metric.js";

/** coco-caption's rouge.py weighs recall 1.2 times as much as precision. */
const BETA = 1.2;

/** Length of the longest common subsequence of two token lists. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  let prev = new Array<number>(short.length + 1).fill(0);
  let curr = new Array<number>(short.length + 1).fill(0);
  for (let i = 1; i <= long.length; i++) {
    for (let j = 1; j <= short.length; j++) {
      curr[j] = long[i - 1] === short[j - 1] ? (prev[j - 1] ?? 0) + 1 : Math.max(prev[j] ?? 0, curr[j - 1] ?? 0);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[short.length] ?? 0;
}

/**
 * Sentence ROUGE-L as rouge.py's calc_score: the best precision and the best recall are taken
 * independently over the references (they may come from different references), then combined.
 */
export function sentenceRougeL(candidate: readonly string[], references: readonly (readonly string[])[]): number {
  if (references.length === 0) throw new Error("ROUGE-L needs at least one reference");
  let precMax = 0;
  let recMax = 0;
  for (const ref of references) {
    const lcs = lcsLength(ref, candidate);
    // rouge.py splits "" into [""], a one-token sentence; the LCS is then 0 as here
    precMax = Math.max(precMax, lcs / Math.max(1, candidate.length));
    recMax = Math.max(recMax, lcs / Math.max(1, ref.length));
  }
  if (precMax === 0 || recMax === 0) return 0;
  return ((1 + BETA ** 2) * precMax * recMax) / (recMax + BETA ** 2 * precMax);
}

/** Corpus ROUGE-L: the mean of the sentence scores, as coco-caption reports it. */
export function corpusRougeL(items: readonly TokenizedItem[]): number {
  if (items.length === 0) return 0;
  let sum = 0;
  for (const item of items) sum += sentenceRougeL(item.candidate, item.references);
  return sum / items.length;
}
