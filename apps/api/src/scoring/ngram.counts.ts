/** n-gram counting shared by BLEU and CIDEr-D (coco-caption's `precook`). */

// A separator that cannot occur inside a whitespace-split token, so joined keys never collide.
const SEP = "\u0001";

/** Counts of every 1..n-gram of `words`, keyed by the n-gram's tokens joined with SEP. */
export function ngramCounts(words: readonly string[], n = 4): Map<string, number> {
  const counts = new Map<string, number>();
  for (let k = 1; k <= n; k++) {
    for (let i = 0; i + k <= words.length; i++) {
      const key = words.slice(i, i + k).join(SEP);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** Order (1-based length) of an n-gram key produced by ngramCounts. */
export function ngramOrder(key: string): number {
  let order = 1;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) === 1) order++;
  return order;
}

/** coco-caption splits tokenised text with Python's `str.split()`: any whitespace run. */
export function splitTokens(text: string): string[] {
  return text.split(/\s+/).filter((t) => t.length > 0);
}
