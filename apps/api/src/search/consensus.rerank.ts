// Consensus re-ranking for retrieval captioning (Devlin et al., 2015, "Exploring nearest neighbor
// approaches for image captioning"): among the top candidate captions, prefer the one that agrees
// most with the others, blended with its similarity to the query image. Measured on MedPix dev with
// `medcap eval --protocol caption-library`: CIDEr-D 0.055 → 0.080 at 10:0.3 (README "Results").
import { MedcapError } from "../core/errors.js";
import { ptbTokenize } from "../scoring/ptb.tokenizer.js";
import { sentenceRougeL } from "../scoring/rouge.metric.js";
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

/** Mean sentence ROUGE-L of one caption against the other candidates. */
function agreement(tokens: string[][], i: number): number {
  let sum = 0;
  for (let j = 0; j < tokens.length; j++) if (j !== i) sum += sentenceRougeL(tokens[i] as string[], [tokens[j] as string[]]);
  return tokens.length > 1 ? sum / (tokens.length - 1) : 0;
}

/** Reorders the candidates; each keeps its own cosine score, so scores stay comparable across queries. */
export function rerankByConsensus(matches: CaptionMatch[], c: ConsensusSetting): CaptionMatch[] {
  if (matches.length < 2) return matches;
  const tokens = matches.map((m) => ptbTokenize(m.text));
  return matches
    .map((m, i) => ({ m, s: (1 - c.weight) * m.score + c.weight * agreement(tokens, i) }))
    .sort((a, b) => b.s - a.s)
    .map(({ m }) => m);
}
