/**
 * Caption tokenisation equivalent in effect to coco-caption's PTBTokenizer step
 * (Stanford CoreNLP 3.4.1 `PTBTokenizer -preserveLines -lowerCase`, then the punctuation tokens
 * in PUNCTUATION_TOKENS dropped).
 *
 * A regex re-implementation rather than the JVM lexer, so scoring needs no Java at run time.
 * It reproduces the cases captions actually contain: clitics (`'s`, `n't`) split off, decimals,
 * thousands separators, times and slashed pairs (`t1/t2`, `mg/kg`) kept whole, internal hyphens
 * kept (`x-ray`), abbreviations with inner periods kept (`e.g.`, `u.s.`), everything else that is
 * neither letter nor digit becomes a token of its own.
 *
 * Faithful quirk: coco-caption lowercases *before* comparing with its (upper-case) removal list,
 * so brackets survive as `-lrb-`/`-rrb-`/`-lsb-`/`-rsb-`/`-lcb-`/`-rcb-` tokens. We keep them,
 * otherwise scores on captions with parentheses would drift from the published implementation.
 */

/** The list coco-caption's ptbtokenizer.py removes (compared after lowercasing, as it does). */
export const PUNCTUATION_TOKENS: ReadonlySet<string> = new Set([
  "''",
  "'",
  "``",
  "`",
  "-LRB-",
  "-RRB-",
  "-LCB-",
  "-RCB-",
  ".",
  "?",
  "!",
  ",",
  ":",
  "-",
  "--",
  "...",
  ";",
]);

const BRACKETS: Readonly<Record<string, string>> = {
  "(": "-lrb-",
  ")": "-rrb-",
  "[": "-lsb-",
  "]": "-rsb-",
  "{": "-lcb-",
  "}": "-rcb-",
};

// Order matters: the first alternative that matches at a position wins, as in the JFlex lexer
// where longer specific patterns (numbers, abbreviations) beat the generic word pattern.
const TOKEN_PATTERN = new RegExp(
  [
    // ellipsis and dash runs are single tokens in PTB
    String.raw`\.{3,}`,
    "-{2,}",
    // abbreviations written with inner periods: e.g. i.e. u.s.
    String.raw`(?:\p{L}\.){2,}`,
    // numbers: 3.5  1,000  10:30  1/2  (PTB keeps these together)
    String.raw`\d+(?:[.,:/]\d+)+`,
    // negation clitic is split from its host: don't -> do n't
    String.raw`[\p{L}\p{N}]+(?=n't\b)`,
    String.raw`n't\b`,
    // other clitics: 's 're 've 'll 'd 'm
    String.raw`'(?:s|re|ve|ll|d|m)\b`,
    // words with internal hyphens, slashes, ampersands or periods between alphanumerics
    String.raw`[\p{L}\p{N}]+(?:[-/&.][\p{L}\p{N}]+)*`,
    // any other non-space character stands alone
    String.raw`\S`,
  ].join("|"),
  "gu",
);

/** PTB-style tokens of one caption, lowercased, coco-caption's punctuation tokens removed. */
export function ptbTokenize(text: string): string[] {
  const lowered = text.replace(/\s+/g, " ").toLowerCase();
  const tokens: string[] = [];
  for (const match of lowered.matchAll(TOKEN_PATTERN)) {
    let token = match[0];
    token = BRACKETS[token] ?? token;
    if (token === '"') continue; // becomes `` or '' in PTB, both removed
    // tokens are already lowercase, so the upper-case bracket names never match: intended
    if (PUNCTUATION_TOKENS.has(token)) continue;
    tokens.push(token);
  }
  return tokens;
}

/** The tokenised caption as coco-caption hands it to the scorers: tokens joined by one space. */
export function ptbTokenizeToString(text: string): string {
  return ptbTokenize(text).join(" ");
}
