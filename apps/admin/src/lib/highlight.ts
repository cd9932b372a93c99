/** A piece of caption text, marked when it is one of the words to highlight. */
export interface TextSegment {
  text: string;
  mark: boolean;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Splits `text` around every occurrence of `words` (case-insensitive, whole words), longest first so
 * "T2 FLAIR" wins over "T2". No words: the text as one unmarked segment.
 */
export function highlightWords(text: string, words: readonly string[]): TextSegment[] {
  const unique = [...new Set(words.map((w) => w.trim()).filter(Boolean))].sort((a, b) => b.length - a.length);
  if (!unique.length) return [{ text, mark: false }];
  const re = new RegExp(`(?<![\\w])(${unique.map(escapeRegExp).join("|")})(?![\\w])`, "gi");
  const out: TextSegment[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ text: text.slice(last, at), mark: false });
    out.push({ text: m[0], mark: true });
    last = at + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), mark: false });
  return out;
}
