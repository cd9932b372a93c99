import type { TokenizedItem } from "./bleu.metric.js";
import { ngramCounts, ngramOrder } from "./ngram.counts.js";

const N = 4;
const SIGMA = 6;

interface TfIdfVector {
  vec: Map<string, number>[];
  norm: number[];
  /** cider_scorer.py counts bigrams here (its `n == 1` is the 0-based order), kept on purpose. */
  length: number;
}

/**
 * CIDEr-D as coco-caption's cider_scorer.py (the "Cider" class of pycocoevalcap): raw n-gram
 * counts weighted by idf = log(#items) - log(max(1, df)), with df taken over the references of
 * the evaluated set only; the candidate's weights are clipped to the reference's, a Gaussian
 * length penalty (σ = 6) applies, the four orders are averaged, divided by the reference count
 * and multiplied by 10. Returns the corpus mean and the per-item scores.
 */
export function corpusCider(items: readonly TokenizedItem[]): {
  score: number;
  perItem: number[];
} {
  if (items.length === 0) return { score: 0, perItem: [] };
  const refCounts = items.map((item) => item.references.map((r) => ngramCounts(r, N)));

  const documentFrequency = new Map<string, number>();
  for (const refs of refCounts) {
    const seen = new Set<string>();
    for (const counts of refs) for (const gram of counts.keys()) seen.add(gram);
    for (const gram of seen) documentFrequency.set(gram, (documentFrequency.get(gram) ?? 0) + 1);
  }
  const logItems = Math.log(items.length);

  const toVector = (counts: Map<string, number>): TfIdfVector => {
    const vec = Array.from({ length: N }, () => new Map<string, number>());
    const norm = new Array<number>(N).fill(0);
    let length = 0;
    for (const [gram, termFreq] of counts) {
      const df = Math.log(Math.max(1, documentFrequency.get(gram) ?? 0));
      const k = ngramOrder(gram) - 1;
      const weight = termFreq * (logItems - df);
      vec[k]?.set(gram, weight);
      norm[k] = (norm[k] ?? 0) + weight ** 2;
      if (k === 1) length += termFreq;
    }
    return { vec, norm: norm.map(Math.sqrt), length };
  };

  const similarity = (hyp: TfIdfVector, ref: TfIdfVector): number[] => {
    const delta = hyp.length - ref.length;
    const val = new Array<number>(N).fill(0);
    for (let k = 0; k < N; k++) {
      let dot = 0;
      const refVec = ref.vec[k] ?? new Map<string, number>();
      for (const [gram, weight] of hyp.vec[k] ?? []) {
        const refWeight = refVec.get(gram) ?? 0;
        dot += Math.min(weight, refWeight) * refWeight;
      }
      const hn = hyp.norm[k] ?? 0;
      const rn = ref.norm[k] ?? 0;
      if (hn !== 0 && rn !== 0) dot /= hn * rn;
      val[k] = dot * Math.exp(-(delta ** 2) / (2 * SIGMA ** 2));
    }
    return val;
  };

  const perItem = items.map((item, i) => {
    const hyp = toVector(ngramCounts(item.candidate, N));
    const total = new Array<number>(N).fill(0);
    for (const counts of refCounts[i] ?? []) {
      const sims = similarity(hyp, toVector(counts));
      for (let k = 0; k < N; k++) total[k] = (total[k] ?? 0) + (sims[k] ?? 0);
    }
    const mean = total.reduce((a, b) => a + b, 0) / N;
    return (mean / item.references.length) * 10;
  });
  return {
    score: perItem.reduce((a, b) => a + b, 0) / perItem.length,
    perItem,
  };
}
