// Consensus re-ranking for retrieval captioning (Devlin et al., 2015, "Exploring nearest neighbor
// approaches for image captioning"): among the top candidate captions, prefer the one that agrees
// most with the others, blended with its similarity to the query image. Measured on MedPix dev with
// `medcap eval --protocol caption-library`: CIDEr-D 0.055 → 0.080 at 10:0.3 (docs/results.md).
import { LruMap } from "../core/lru.map.js";
import { MedcapError } from "../core/errors.js";
import { ptbTokenize } from "../scoring/ptb.tokenizer.js";
import type { CaptionMatch } from "./match.types.js";

export interface ConsensusSetting {
  /** How many top distinct captions vote. */
  candidates: number;
  /** Weight of agreement against image similarity, 0..1. */
  weight: number;
}

/** "m:w" (e.g. "10:0.3") or "off". */
export function parseConsensus(value: string): ConsensusSetting | null {
  if (value.trim().toLowerCase() === "off") return null;
  const [m, w] = value.split(":").map(Number);
  if (!m || !Number.isInteger(m) || m < 2 || w === undefined || !(w >= 0 && w <= 1)) {
    throw new MedcapError("BAD_USER_INPUT", `consensus takes m:w with m ≥ 2 and 0 ≤ w ≤ 1 (e.g. 10:0.3), or off; got "${value}"`);
  }
  return { candidates: m, weight: w };
}

export const formatConsensus = (c: ConsensusSetting | null) => (c ? `${c.candidates}:${c.weight}` : "off");

/** coco-caption's rouge.py weighs recall 1.2 times as much as precision (as scoring/rouge.metric.ts). */
const BETA2 = 1.2 ** 2;

/**
 * PTB tokens of caption texts, interned to integers, for consensus re-ranking: the same library
 * captions come back query after query, and tokenising them (PTB's regex rules) on every call was
 * most of the re-ranking's cost. The key is the caption text itself, so an edited caption is simply
 * a new key and no entry can go stale; the oldest entries are evicted past `maxEntries`. One cache
 * per SearchService, i.e. per served model version.
 */
export class ConsensusTokenCache {
  private readonly entries: LruMap<string, Int32Array>;
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly maxEntries = 20_000,
    private readonly tokenize: (text: string) => string[] = ptbTokenize,
  ) {
    this.entries = new LruMap(maxEntries);
  }

  tokensOf(text: string): Int32Array {
    const cached = this.entries.get(text);
    if (cached) return cached;
    // The token table only grows; start both afresh once it is far larger than the entries need.
    if (this.ids.size > 50 * this.maxEntries) this.clear();
    const tokens = Int32Array.from(this.tokenize(text), (t) => {
      let id = this.ids.get(t);
      if (id === undefined) {
        id = this.ids.size;
        this.ids.set(t, id);
      }
      return id;
    });
    this.entries.set(text, tokens);
    return tokens;
  }

  clear(): void {
    this.entries.clear();
    this.ids.clear();
  }

  stats(): { hits: number; misses: number; size: number } {
    const { hits, misses, size } = this.entries.stats();
    return { hits, misses, size };
  }
}

/** Length of the longest common subsequence of two token-id lists. */
function lcsLength(a: Int32Array, b: Int32Array, row: Int32Array): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  row.fill(0, 0, short.length + 1);
  for (let i = 0; i < long.length; i++) {
    let diagonal = 0; // row[j] of the previous i
    const x = long[i] as number;
    for (let j = 1; j <= short.length; j++) {
      const above = row[j] as number;
      row[j] = x === short[j - 1] ? diagonal + 1 : Math.max(above, row[j - 1] as number);
      diagonal = above;
    }
  }
  return row[short.length] as number;
}

/** Sentence ROUGE-L of a against b and of b against a, from their one LCS (the same values as sentenceRougeL). */
function pairRougeL(a: Int32Array, b: Int32Array, row: Int32Array): [number, number] {
  const lcs = lcsLength(a, b, row);
  if (lcs === 0) return [0, 0];
  const pa = lcs / Math.max(1, a.length);
  const pb = lcs / Math.max(1, b.length);
  // a as candidate: precision pa, recall pb; b as candidate: the other way round.
  return [((1 + BETA2) * pa * pb) / (pb + BETA2 * pa), ((1 + BETA2) * pb * pa) / (pa + BETA2 * pb)];
}

/** Mean sentence ROUGE-L of each caption against the other candidates (each pair's LCS computed once). */
function agreements(tokens: readonly Int32Array[]): number[] {
  const n = tokens.length;
  const sums = new Array<number>(n).fill(0);
  const row = new Int32Array(Math.max(0, ...tokens.map((t) => t.length)) + 1);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const [ij, ji] = pairRougeL(tokens[i] as Int32Array, tokens[j] as Int32Array, row);
      sums[i] = (sums[i] as number) + ij;
      sums[j] = (sums[j] as number) + ji;
    }
  }
  return sums.map((s) => (n > 1 ? s / (n - 1) : 0));
}

/**
 * Reorders the candidates; each keeps its own cosine score, so scores stay comparable across queries.
 * `cache` keeps the candidates' tokens between calls (a service passes its own); without one they are
 * tokenised for this call only.
 */
export function rerankByConsensus(
  matches: CaptionMatch[],
  c: ConsensusSetting,
  cache: ConsensusTokenCache = new ConsensusTokenCache(Math.max(1, matches.length)),
): CaptionMatch[] {
  if (matches.length < 2) return matches;
  const agreement = agreements(matches.map((m) => cache.tokensOf(m.text)));
  return matches
    .map((m, i) => ({ m, s: (1 - c.weight) * m.score + c.weight * (agreement[i] as number) }))
    .sort((a, b) => b.s - a.s)
    .map(({ m }) => m);
}
