/**
 * The Snowball English ("Porter2") stemmer, as in the Snowball build that Meteor 1.5 ships
 * (org.tartarus.snowball.ext.englishStemmer: R1 exceptions gener/commun/arsen only). METEOR's
 * stem module uses it; the npm `stemmer` package is the original Porter algorithm, which stems
 * e.g. "mildly" to "mildli" where Porter2 gives "mild", so it would miss matches the jar finds.
 */

const VOWELS = new Set(["a", "e", "i", "o", "u", "y"]);
const DOUBLES = ["bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt"];
const LI_ENDINGS = new Set(["c", "d", "e", "g", "h", "k", "m", "n", "r", "t"]);

const EXCEPTIONS: Readonly<Record<string, string>> = {
  skis: "ski",
  skies: "sky",
  dying: "die",
  lying: "lie",
  tying: "tie",
  idly: "idl",
  gently: "gentl",
  ugly: "ugli",
  early: "earli",
  only: "onli",
  singly: "singl",
  sky: "sky",
  news: "news",
  howe: "howe",
  atlas: "atlas",
  cosmos: "cosmos",
  bias: "bias",
  andes: "andes",
};

const AFTER_STEP_1A: ReadonlySet<string> = new Set(["inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed"]);

// Suffix tables: the longest matching suffix is chosen first; if its condition fails, nothing
// happens (shorter suffixes are not tried), which is how Snowball's `among` works.
const STEP2: readonly (readonly [string, string])[] = [
  ["ization", "ize"],
  ["ational", "ate"],
  ["fulness", "ful"],
  ["ousness", "ous"],
  ["iveness", "ive"],
  ["tional", "tion"],
  ["biliti", "ble"],
  ["lessli", "less"],
  ["entli", "ent"],
  ["ation", "ate"],
  ["alism", "al"],
  ["aliti", "al"],
  ["ousli", "ous"],
  ["iviti", "ive"],
  ["fulli", "ful"],
  ["enci", "ence"],
  ["anci", "ance"],
  ["abli", "able"],
  ["izer", "ize"],
  ["ator", "ate"],
  ["alli", "al"],
  ["bli", "ble"],
  ["ogi", "og"],
  ["li", ""],
];

const STEP3: readonly (readonly [string, string])[] = [
  ["ational", "ate"],
  ["tional", "tion"],
  ["alize", "al"],
  ["icate", "ic"],
  ["iciti", "ic"],
  ["ative", ""],
  ["ical", "ic"],
  ["ness", ""],
  ["ful", ""],
];

const STEP4 = [
  "ement",
  "ance",
  "ence",
  "able",
  "ible",
  "ment",
  "ant",
  "ent",
  "ism",
  "ate",
  "iti",
  "ous",
  "ive",
  "ize",
  "ion",
  "al",
  "er",
  "ic",
];

const isVowel = (ch: string | undefined) => ch !== undefined && VOWELS.has(ch);

/** Start of the region after the first non-vowel that follows a vowel, from `from` on. */
function regionAfter(word: string, from: number): number {
  for (let i = from + 1; i < word.length; i++) {
    if (!isVowel(word[i]) && isVowel(word[i - 1])) return i + 1;
  }
  return word.length;
}

/** A short syllable ending at index `end` (inclusive), per the Porter2 definition. */
function endsWithShortSyllable(word: string, end = word.length - 1): boolean {
  const c = word[end];
  const v = word[end - 1];
  if (end === 1) return isVowel(v) && !isVowel(c);
  const before = word[end - 2];
  return !isVowel(before) && isVowel(v) && !isVowel(c) && c !== "w" && c !== "x" && c !== "Y";
}

function longestSuffix<T extends string>(word: string, suffixes: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const s of suffixes) {
    if (word.endsWith(s) && (best === undefined || s.length > best.length)) best = s;
  }
  return best;
}

export function porter2Stem(input: string): string {
  if (input.length <= 2) return input;
  // hasOwn: a word like "constructor" must not reach Object.prototype
  if (Object.hasOwn(EXCEPTIONS, input)) return EXCEPTIONS[input] ?? input;

  let word = input.startsWith("'") ? input.slice(1) : input;
  // y as a consonant is marked Y so vowel tests treat it correctly
  let marked = "";
  for (let i = 0; i < word.length; i++) {
    const ch = word[i] ?? "";
    marked += ch === "y" && (i === 0 || isVowel(word[i - 1])) ? "Y" : ch;
  }
  word = marked;

  const prefix = ["gener", "commun", "arsen"].find((p) => word.startsWith(p));
  const r1 = prefix ? prefix.length : regionAfter(word, 0);
  const r2 = regionAfter(word, r1);
  const inR1 = (suffix: string) => word.length - suffix.length >= r1;
  const inR2 = (suffix: string) => word.length - suffix.length >= r2;
  const hasVowel = (s: string) => [...s].some((ch) => isVowel(ch));

  // Step 0
  const s0 = longestSuffix(word, ["'s'", "'s", "'"]);
  if (s0) word = word.slice(0, -s0.length);

  // Step 1a
  const s1a = longestSuffix(word, ["sses", "ied", "ies", "us", "ss", "s"]);
  if (s1a === "sses") word = `${word.slice(0, -4)}ss`;
  else if (s1a === "ied" || s1a === "ies") {
    word = word.length > 4 ? `${word.slice(0, -3)}i` : `${word.slice(0, -3)}ie`;
  } else if (s1a === "s") {
    const stem = word.slice(0, -1);
    if (hasVowel(stem.slice(0, -1))) word = stem;
  }
  if (AFTER_STEP_1A.has(word)) return word;

  // Step 1b
  const s1b = longestSuffix(word, ["eedly", "ingly", "edly", "eed", "ing", "ed"]);
  if (s1b === "eed" || s1b === "eedly") {
    if (inR1(s1b)) word = `${word.slice(0, -s1b.length)}ee`;
  } else if (s1b) {
    const stem = word.slice(0, -s1b.length);
    if (hasVowel(stem)) {
      word = stem;
      if (word.endsWith("at") || word.endsWith("bl") || word.endsWith("iz")) word += "e";
      else if (DOUBLES.some((d) => word.endsWith(d))) word = word.slice(0, -1);
      else if (r1 >= word.length && endsWithShortSyllable(word)) word += "e";
    }
  }

  // Step 1c
  const last = word[word.length - 1];
  if ((last === "y" || last === "Y") && word.length > 2 && !isVowel(word[word.length - 2])) {
    word = `${word.slice(0, -1)}i`;
  }

  // Step 2
  const s2 = longestSuffix(
    word,
    STEP2.map(([s]) => s),
  );
  if (s2 && inR1(s2)) {
    const replacement = STEP2.find(([s]) => s === s2)?.[1] ?? "";
    if (s2 === "ogi") {
      if (word[word.length - 4] === "l") word = `${word.slice(0, -3)}og`;
    } else if (s2 === "li") {
      if (LI_ENDINGS.has(word[word.length - 3] ?? "")) word = word.slice(0, -2);
    } else word = word.slice(0, -s2.length) + replacement;
  }

  // Step 3
  const s3 = longestSuffix(
    word,
    STEP3.map(([s]) => s),
  );
  if (s3 && inR1(s3)) {
    if (s3 === "ative") {
      if (inR2(s3)) word = word.slice(0, -5);
    } else word = word.slice(0, -s3.length) + (STEP3.find(([s]) => s === s3)?.[1] ?? "");
  }

  // Step 4
  const s4 = longestSuffix(word, STEP4);
  if (s4 && inR2(s4)) {
    if (s4 === "ion") {
      const before = word[word.length - 4];
      if (before === "s" || before === "t") word = word.slice(0, -3);
    } else word = word.slice(0, -s4.length);
  }

  // Step 5
  if (word.endsWith("e")) {
    if (inR2("e") || (inR1("e") && !endsWithShortSyllable(word, word.length - 2))) {
      word = word.slice(0, -1);
    }
  } else if (word.endsWith("l") && inR2("l") && word[word.length - 2] === "l") {
    word = word.slice(0, -1);
  }

  return word.replaceAll("Y", "y");
}
