// Leave-one-word-out weights for a caption: the caption is re-encoded once without each word, and a
// word's weight is how much the similarity to the query image drops without it. Words are the
// caption's whitespace-separated words as a reader sees them (punctuation stays attached), never the
// tokenizer's WordPiece pieces, so the admin can highlight them in the text as written.

/** Words past this many are returned unscored: a long caption's tail would cost one text encode each. */
export const MAX_SCORED_WORDS = 64;

export interface CaptionWord {
  word: string;
  /** Character offset of the word in the caption, for highlighting in place. */
  start: number;
}

export function captionWords(caption: string): CaptionWord[] {
  return [...caption.matchAll(/\S+/g)].map((m) => ({ word: m[0], start: m.index ?? 0 }));
}

/** The caption with word `i` removed (words rejoined with single spaces), for each scored word. */
export function leaveOneOutVariants(words: readonly CaptionWord[], maxWords = MAX_SCORED_WORDS): string[] {
  const n = Math.min(words.length, maxWords);
  return Array.from({ length: n }, (_, i) =>
    words
      .filter((_, j) => j !== i)
      .map((w) => w.word)
      .join(" "),
  );
}

export interface WordWeight {
  word: string;
  start: number;
  /** cos(image, caption) − cos(image, caption without this word); null when the word was not scored. */
  drop: number | null;
  /** drop / max |drop| over the scored words, in [−1, 1]: 1 = the word the match leans on most; null when not scored. */
  weight: number | null;
}

/**
 * Weights from the full caption's cosine and each variant's. Scaling by the largest absolute drop
 * keeps the sign (a negative weight: the match is closer without the word) and makes weights
 * comparable across captions for highlighting; the raw drop stays available for absolute reading.
 */
export function wordWeights(words: readonly CaptionWord[], full: number, variants: readonly number[]): WordWeight[] {
  const drops = variants.map((v) => full - v);
  const scale = Math.max(0, ...drops.map(Math.abs));
  return words.map((w, i) => {
    const drop = drops[i];
    if (drop === undefined) return { word: w.word, start: w.start, drop: null, weight: null };
    return { word: w.word, start: w.start, drop, weight: scale > 0 ? drop / scale : 0 };
  });
}
