import { ngramCounts, ngramOrder } from "./ngram.counts.js";

/** One candidate with its references, already tokenised. */
export interface TokenizedItem {
  candidate: readonly string[];
  references: readonly (readonly string[])[];
}

// coco-caption's bleu_scorer.py constants: they keep BLEU-n defined (not NaN) when a corpus
// has no n-gram of some order, and are why BLEU-4 of a 4-gram-less corpus is ~1e-5, not 0.
const TINY = 1e-15;
const SMALL = 1e-9;

/**
 * Corpus BLEU-1..n exactly as coco-caption's BleuScorer with option "closest": clipped n-gram
 * counts and lengths are summed over the corpus before the geometric mean and brevity penalty.
 */
export function corpusBleu(items: readonly TokenizedItem[], n = 4): number[] {
  const guess = new Array<number>(n).fill(0);
  const correct = new Array<number>(n).fill(0);
  let testLen = 0;
  let refLen = 0;

  for (const item of items) {
    const maxRefCounts = new Map<string, number>();
    for (const ref of item.references) {
      for (const [gram, count] of ngramCounts(ref, n)) {
        maxRefCounts.set(gram, Math.max(maxRefCounts.get(gram) ?? 0, count));
      }
    }
    const len = item.candidate.length;
    testLen += len;
    refLen += closestRefLength(
      item.references.map((r) => r.length),
      len,
    );
    for (let k = 0; k < n; k++) guess[k] = (guess[k] ?? 0) + Math.max(0, len - k);
    for (const [gram, count] of ngramCounts(item.candidate, n)) {
      const k = ngramOrder(gram) - 1;
      correct[k] = (correct[k] ?? 0) + Math.min(maxRefCounts.get(gram) ?? 0, count);
    }
  }

  const scores: number[] = [];
  let product = 1;
  for (let k = 0; k < n; k++) {
    product *= ((correct[k] ?? 0) + TINY) / ((guess[k] ?? 0) + SMALL);
    scores.push(product ** (1 / (k + 1)));
  }
  const ratio = (testLen + TINY) / (refLen + SMALL);
  if (ratio < 1) {
    const penalty = Math.exp(1 - 1 / ratio);
    return scores.map((s) => s * penalty);
  }
  return scores;
}

/** Python's `min((abs(l - testlen), l) for l in reflens)[1]`: ties go to the shorter reference. */
export function closestRefLength(refLengths: readonly number[], testLen: number): number {
  let best: number | undefined;
  for (const l of refLengths) {
    if (
      best === undefined ||
      Math.abs(l - testLen) < Math.abs(best - testLen) ||
      (Math.abs(l - testLen) === Math.abs(best - testLen) && l < best)
    ) {
      best = l;
    }
  }
  if (best === undefined) throw new Error("BLEU needs at least one reference per item");
  return best;
}
