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
// Matching runs on the original casing: PTB's abbreviation rules look at capitals.
const TOKEN_PATTERN = new RegExp(
  [
    // ellipsis and dash runs are single tokens in PTB
    String.raw`\.{3,}`,
    "-{2,}",
    // abbreviations written with inner periods: e.g. i.e. u.s. c.t.
    String.raw`(?:\p{L}\.){2,}`,
    // numbers: 3.5  1,000  10:30  1/2  0.5-cm (PTB keeps these together)
    String.raw`\d+(?:[.,:/]\d+)+(?:-[\p{L}\p{N}]+)*`,
    // a number with a leading period: "x4.7" is "x4" then ".7" in PTB
    String.raw`\.\d+`,
    // a minus sign that starts a token belongs to the number: "-50 hu"
    String.raw`(?<![\p{L}\p{N}])-\d+(?:[.,]\d+)*`,
    // words run together over a period without a space stay one token: "wing.the"
    String.raw`\p{L}{2,}(?:\.\p{L}{2,})+`,
    "[Oo]'[Cc]lock",
    // negation clitic is split from its host: don't -> do n't
    String.raw`[\p{L}\p{N}]+(?=[nN]'[tT]\b)`,
    String.raw`[nN]'[tT]\b`,
    // other clitics: 's 're 've 'll 'd 'm
    String.raw`'(?:[sS]|[rR][eE]|[vV][eE]|[lL][lL]|[dD]|[mM])\b`,
    // words, with internal hyphens, slashes or ampersands between alphanumerics
    String.raw`[\p{L}\p{N}]+(?:[-/&][\p{L}\p{N}]+)*`,
    // any other non-space character stands alone
    String.raw`\S`,
  ].join("|"),
  "gu",
);

// A single letter keeps its period ("figure c. axial") unless one of these capitalised words
// follows, which PTB takes as the start of a new sentence (probed on CoreNLP 3.4.1).
const SENTENCE_STARTERS: ReadonlySet<string> = new Set(
  "The There It In This That These He She We They A An But At If As Our Her What When While After However".split(" "),
);
// Abbreviations PTB always keeps whole, whatever follows.
const TITLES: ReadonlySet<string> = new Set("mr mrs ms dr st jr sr prof gen col lt rt sgt capt rev hon vs".split(" "));
// PTB's ABBREV1 list (months, days, US states, company words...): always kept whole. Matched
// case-insensitively, except the entries below which need a capital first letter: "Mass." and
// "PA." stay whole, "mass." splits.
const ABBREVIATIONS: ReadonlySet<string> = new Set(
  (
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri " +
    "ala ariz calif colo conn ct dak fla ga ind kan kans ky md mich minn mo mont neb nev okla " +
    "penn tenn va vt wis wisc wyo inc corp ltd plc bancorp dept bhd assn univ intl sys bros " +
    "blvd rd esq mt etc al seq co cos ca"
  ).split(" "),
);
const CAPITALISED_ABBREVIATIONS: ReadonlySet<string> = new Set("az ark del ill la mass miss ore pa tex wash".split(" "));
// Abbreviations PTB keeps whole unless a capitalised word or the end of the line follows.
const SENTENCE_FINAL_ABBREVIATIONS: ReadonlySet<string> = new Set("fig figs no nos".split(" "));

function keepsPeriod(word: string, next: string | undefined): boolean {
  if (/^\p{L}$/u.test(word)) return next === undefined || !SENTENCE_STARTERS.has(next);
  const lower = word.toLowerCase();
  if (TITLES.has(lower) || ABBREVIATIONS.has(lower)) return true;
  if (/^\p{Lu}/u.test(word) && CAPITALISED_ABBREVIATIONS.has(lower)) return true;
  if (SENTENCE_FINAL_ABBREVIATIONS.has(lower)) {
    return next !== undefined && !/^\p{Lu}/u.test(next);
  }
  return false;
}

/** PTB-style tokens of one caption, lowercased, coco-caption's punctuation tokens removed. */
export function ptbTokenize(text: string): string[] {
  // PTB maps curly quotes to `` '' ` ' (all removed later) and reads ’ inside words as '
  const plain = text
    .replace(/\s+/g, " ")
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, " -- ");
  const raw = [...plain.matchAll(TOKEN_PATTERN)].map((m) => ({
    text: m[0],
    start: m.index,
    end: m.index + m[0].length,
  }));
  const tokens: string[] = [];
  for (let k = 0; k < raw.length; k++) {
    const current = raw[k];
    if (!current) continue;
    let token = current.text;
    const period = raw[k + 1];
    if (period?.text === "." && period.start === current.end && /^[\p{L}\p{N}]+$/u.test(token) && keepsPeriod(token, raw[k + 2]?.text)) {
      token += ".";
      k++;
    }
    token = BRACKETS[token] ?? token.toLowerCase();
    if (token === '"') continue; // becomes `` or '' in PTB, both removed
    // coco-caption compares lowercased tokens with upper-case bracket names: never equal
    if (PUNCTUATION_TOKENS.has(token)) continue;
    tokens.push(token);
  }
  return tokens;
}

/** The tokenised caption as coco-caption hands it to the scorers: tokens joined by one space. */
export function ptbTokenizeToString(text: string): string {
  return ptbTokenize(text).join(" ");
}
