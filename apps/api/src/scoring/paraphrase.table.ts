import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";

/**
 * METEOR 1.5's English paraphrase table (`paraphrase-en.gz`: probability, phrase, paraphrase,
 * one per line), for the optional paraphrase module. It is not on npm: pycocoevalcap's wheel
 * ships it (pycocoevalcap/meteor/data/paraphrase-en.gz, LGPL). Loading the whole table costs
 * gigabytes in JS, so it is loaded *for a vocabulary*: only pairs whose every word occurs in the
 * texts to score are kept, which changes no match (a pair with an absent word cannot match).
 */
export class ParaphraseTable {
  private readonly bySourceStart: ReadonlyMap<string, readonly ParaphrasePair[]>;

  constructor(pairs: readonly ParaphrasePair[]) {
    const index = new Map<string, ParaphrasePair[]>();
    for (const pair of pairs) {
      const first = pair.source[0];
      if (first === undefined) continue;
      const list = index.get(first);
      if (list) list.push(pair);
      else index.set(first, [pair]);
    }
    this.bySourceStart = index;
  }

  /** Streams a paraphrase-en.gz file, keeping the pairs made only of `vocabulary` words. */
  static async load(path: string, vocabulary: ReadonlySet<string>): Promise<ParaphraseTable> {
    const file = createReadStream(path);
    const gunzip = createGunzip();
    // pipe() does not forward errors: without this a missing file would hang the reader
    file.on("error", (err) => gunzip.destroy(err));
    const lines = createInterface({ input: file.pipe(gunzip), crlfDelay: Number.POSITIVE_INFINITY });
    const pairs: ParaphrasePair[] = [];
    const known = (phrase: string[]) => phrase.every((w) => vocabulary.has(w));
    let slot = 0;
    let source: string[] = [];
    for await (const line of lines) {
      if (slot === 1) source = line.split(" ").filter(Boolean);
      else if (slot === 2) {
        const target = line.split(" ").filter(Boolean);
        if (source.length > 0 && target.length > 0 && known(source) && known(target)) {
          pairs.push({ source, target });
        }
      }
      slot = (slot + 1) % 3;
    }
    return new ParaphraseTable(pairs);
  }

  /**
   * ParaphraseTransducer.getReferencePaths: the pairs whose source phrase occurs in `words` at
   * `start`, shorter phrases first and in file order within a length, as the jar's trie walk.
   */
  pathsAt(words: readonly string[], start: number): readonly ParaphrasePair[] {
    const candidates = this.bySourceStart.get(words[start] ?? "");
    if (!candidates) return [];
    const hits = candidates.filter(
      (pair) => start + pair.source.length <= words.length && pair.source.every((w, k) => words[start + k] === w),
    );
    return hits.sort((a, b) => a.source.length - b.source.length);
  }

  get size(): number {
    let n = 0;
    for (const list of this.bySourceStart.values()) n += list.length;
    return n;
  }
}

export interface ParaphrasePair {
  source: readonly string[];
  target: readonly string[];
}
