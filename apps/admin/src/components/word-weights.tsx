import type { Explanation } from "../actions/explain.actions";

type Weight = NonNullable<Explanation["wordWeights"]>[number];

/** A weight at or above this marks a "heavy" word (bold as well as shaded). */
const HEAVY = 0.5;
/** Below this weight a word is left unshaded: a wash of faint tints would hide the few words that matter. */
const FAINT = 0.1;

/**
 * The caption as written, each scored word shaded by how much the match drops without it (darker =
 * heavier); words the match is closer without are underlined instead. Whitespace is kept as written.
 */
export function WordWeights({ text, weights }: { text: string; weights: readonly Weight[] }) {
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const w of weights) {
    if (w.start > at) parts.push(text.slice(at, w.start));
    const weight = w.weight ?? 0;
    const title =
      w.drop === null
        ? "not scored (past the first 64 words)"
        : `similarity without it: ${w.drop >= 0 ? "−" : "+"}${Math.abs(w.drop).toFixed(4)}`;
    parts.push(
      <span
        key={w.start}
        title={title}
        className={`word-weight${weight >= HEAVY ? " word-heavy" : ""}${weight < 0 ? " word-negative" : ""}`}
        style={weight >= FAINT ? { backgroundColor: `rgba(220, 38, 38, ${(0.6 * weight).toFixed(2)})` } : undefined}
        data-weight={w.weight ?? ""}
      >
        {text.slice(w.start, w.start + w.word.length)}
      </span>,
    );
    at = w.start + w.word.length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return (
    <span className="caption-text" data-testid="word-weights">
      {parts}
    </span>
  );
}
