// Captioning strategies: how library captions are ranked for a query image. The arithmetic is the
// shared spec of issue #11, implemented identically by models/toolkit's cross-validation, so the
// toolkit's CV numbers and `medcap eval --protocol caption-library` agree for the same model:
//   text    score(c) = cos(q, t_c)                                   (v1 behaviour)
//   images  score(c) = vote(c), ties broken by cos(q, t_c)
//   fused   score(c) = (1 - beta) * cos(q, t_c) + beta * vote(c)
// where vote(c) = Σ_{j: c_j = c} w_j / Σ_j w_j over the K nearest library images j (the query image
// itself excluded), w_j = exp((s_j - s_max) / tau), s_j = cos(q, v_j). Candidates are the captions of
// those K images plus the top N = max(k, 32) captions by cos(q, t_c): any other caption has no vote
// and a lower cosine than all N, so it could never enter the top k anyway.
// This module is pure (no database, no store) so the spec is pinned by unit tests on hand-made vectors.
import { MedcapError } from "../core/errors.js";
import { type ConsensusSetting, formatConsensus, parseConsensus } from "./consensus.rerank.js";
import { CAPTION_STRATEGIES, type CaptionStrategy, type SupportingImage } from "./match.types.js";

export { CAPTION_STRATEGIES, type CaptionStrategy, type SupportingImage };

/** Everything that decides a caption ranking; the defaults come from the served model's manifest. */
export interface CaptioningSettings {
  strategy: CaptionStrategy;
  /** K: library images that vote. */
  neighbours: number;
  /** tau: softness of the vote weights; small = the nearest image dominates. */
  temperature: number;
  /** beta: weight of the vote against the caption cosine in `fused`. */
  weight: number;
  /** Devlin et al. consensus re-ranking applied after the strategy, or null = off. */
  consensus: ConsensusSetting | null;
}

/** Only some knobs may be given per call or per deployment; the rest fall through to the next layer. */
export type CaptioningOverrides = Partial<CaptioningSettings>;

/**
 * Built-in values for a model whose manifest has no `captioning` block (v1): text ranking, as v1
 * always did. The neighbour knobs only matter when a caller asks for `images`/`fused` explicitly.
 */
export const BUILTIN_CAPTIONING: Omit<CaptioningSettings, "consensus"> = {
  strategy: "text",
  neighbours: 10,
  temperature: 0.05,
  weight: 0.5,
};

/** v1's consensus default, kept for models whose manifest does not choose one. */
export const V1_CONSENSUS: ConsensusSetting = { candidates: 10, weight: 0.3 };

/** The manifest's `captioning` block as the toolkit writes it (consensus as "m:w" or "off"). */
export interface ManifestCaptioning {
  strategy: CaptionStrategy;
  neighbours: number;
  temperature: number;
  weight: number;
  consensus: string;
}

/**
 * The service's defaults: built-in (v1 behaviour) < the served model's manifest < deployment
 * config (MEDCAP_CAPTION_*). A call may still override any knob.
 */
export function captioningDefaults(manifest: ManifestCaptioning | undefined, config: CaptioningOverrides = {}): CaptioningSettings {
  const fromManifest: CaptioningOverrides | undefined = manifest && {
    strategy: manifest.strategy,
    neighbours: manifest.neighbours,
    temperature: manifest.temperature,
    weight: manifest.weight,
    consensus: parseConsensus(manifest.consensus),
  };
  return mergeCaptioning({ ...BUILTIN_CAPTIONING, consensus: V1_CONSENSUS }, fromManifest, config);
}

/** The text shortlist size of the spec: N = max(k, 32). */
export const textShortlist = (k: number) => Math.max(k, 32);

/** One distinct caption text with its cosine to the query and where it occurs in the library. */
export interface TextCandidate {
  /** Normalised caption text (the identity of a caption in every strategy). */
  text: string;
  /** cos(q, t_c). */
  cosine: number;
  captionIds: string[];
  imageIds: string[];
  caseIds: string[];
}

/** One library image near the query, with its current (normalised) caption text. */
export interface ImageNeighbour {
  imageId: string;
  caseId: string;
  /** s_j = cos(q, v_j). */
  similarity: number;
  /** c_j; null when the image has no current caption (it still counts in the weight sum). */
  text: string | null;
}

export interface RankedCaption extends TextCandidate {
  /** The strategy's ranking score (cosine for `text`, vote for `images`, the blend for `fused`). */
  score: number;
  /** vote(c); 0 when no neighbour carries the caption (always 0 for `text`). */
  vote: number;
  /** The neighbours whose caption is this text, nearest first. */
  supportingImages: SupportingImage[];
}

export function validateCaptioning(s: CaptioningSettings): CaptioningSettings {
  const bad = (m: string) => new MedcapError("BAD_USER_INPUT", m, { captioning: { ...s, consensus: s.consensus ?? "off" } });
  if (!CAPTION_STRATEGIES.includes(s.strategy))
    throw bad(`unknown caption strategy "${s.strategy}" (expected ${CAPTION_STRATEGIES.join(", ")})`);
  if (!Number.isInteger(s.neighbours) || s.neighbours < 1 || s.neighbours > 1000)
    throw bad(`caption neighbours must be an integer from 1 to 1000, got ${s.neighbours}`);
  if (!(Number.isFinite(s.temperature) && s.temperature > 0)) throw bad(`caption temperature must be > 0, got ${s.temperature}`);
  if (!(s.weight >= 0 && s.weight <= 1)) throw bad(`caption fusion weight must be within 0..1, got ${s.weight}`);
  return s;
}

export function parseCaptionStrategy(value: string): CaptionStrategy {
  const v = value.trim().toLowerCase();
  if (!(CAPTION_STRATEGIES as readonly string[]).includes(v))
    throw new MedcapError("BAD_USER_INPUT", `unknown caption strategy "${value}" (expected ${CAPTION_STRATEGIES.join(", ")})`);
  return v as CaptionStrategy;
}

/** Layers settings: later layers win for every knob they define (built-in < manifest < env < call). */
export function mergeCaptioning(base: CaptioningSettings, ...layers: (CaptioningOverrides | undefined)[]): CaptioningSettings {
  let out = { ...base };
  for (const layer of layers) {
    if (!layer) continue;
    const defined = Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== undefined)) as CaptioningOverrides;
    out = { ...out, ...defined };
  }
  return validateCaptioning(out);
}

/** vote(c) for every caption text carried by the neighbours, and each neighbour's normalised weight. */
export function neighbourVotes(neighbours: ImageNeighbour[], temperature: number) {
  const votes = new Map<string, { vote: number; supporters: SupportingImage[] }>();
  if (!neighbours.length) return votes;
  const sMax = Math.max(...neighbours.map((n) => n.similarity));
  const w = neighbours.map((n) => Math.exp((n.similarity - sMax) / temperature));
  const total = w.reduce((a, b) => a + b, 0);
  neighbours.forEach((n, j) => {
    if (n.text === null) return;
    const share = (w[j] as number) / total;
    let v = votes.get(n.text);
    if (!v) {
      v = { vote: 0, supporters: [] };
      votes.set(n.text, v);
    }
    v.vote += share;
    v.supporters.push({ imageId: n.imageId, caseId: n.caseId, similarity: n.similarity, weight: share });
  });
  for (const v of votes.values()) v.supporters.sort((a, b) => b.similarity - a.similarity);
  return votes;
}

/**
 * Ranks the candidate captions for one query.
 * @param shortlist the top-N distinct captions by cosine (N = textShortlist(k)), any order
 * @param neighbours the K nearest library images, the query image already excluded
 * @param cosineOf cos(q, t_c) of a neighbour caption that is not in the shortlist; undefined = that
 *   text has no vector (edited away since indexing), and it is then left out
 * @param queryImageId the query's own image when it is in the library: it never votes for itself
 */
export function rankCaptions(
  settings: Pick<CaptioningSettings, "strategy" | "temperature" | "weight">,
  shortlist: TextCandidate[],
  neighbours: ImageNeighbour[],
  cosineOf: (text: string) => TextCandidate | undefined = () => undefined,
  queryImageId?: string,
): RankedCaption[] {
  const byText = new Map(shortlist.map((c) => [c.text, c]));
  const voters = queryImageId === undefined ? neighbours : neighbours.filter((n) => n.imageId !== queryImageId);
  const votes = settings.strategy === "text" ? new Map() : neighbourVotes(voters, settings.temperature);
  for (const text of votes.keys()) {
    if (byText.has(text)) continue;
    const extra = cosineOf(text);
    if (extra) byText.set(text, extra);
  }
  const ranked: RankedCaption[] = [...byText.values()].map((c) => {
    const v = votes.get(c.text) as { vote: number; supporters: SupportingImage[] } | undefined;
    const vote = v?.vote ?? 0;
    const score =
      settings.strategy === "text"
        ? c.cosine
        : settings.strategy === "images"
          ? vote
          : (1 - settings.weight) * c.cosine + settings.weight * vote;
    return { ...c, score, vote, supportingImages: v?.supporters ?? [] };
  });
  // Ties (equal votes in `images`, or equal blends) fall back to the cosine, then to the text, so a
  // ranking never depends on the order the store returned its hits in.
  return ranked.sort((a, b) => b.score - a.score || b.cosine - a.cosine || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
}

/** Overrides as JSON (job parameters): consensus as "m:w" or "off", unset knobs left out. */
export function captioningToJson(o: CaptioningOverrides): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (o.strategy !== undefined) out.strategy = o.strategy;
  if (o.neighbours !== undefined) out.neighbours = o.neighbours;
  if (o.temperature !== undefined) out.temperature = o.temperature;
  if (o.weight !== undefined) out.weight = o.weight;
  if (o.consensus !== undefined) out.consensus = formatConsensus(o.consensus);
  return out;
}

/** The inverse of captioningToJson; anything malformed is refused with BAD_USER_INPUT. */
export function captioningFromJson(json: unknown): CaptioningOverrides {
  const j = (json && typeof json === "object" ? json : {}) as Record<string, unknown>;
  const num = (key: string) => {
    const v = j[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number") throw new MedcapError("BAD_USER_INPUT", `captioning ${key} must be a number`);
    return v;
  };
  const out: CaptioningOverrides = {
    strategy: typeof j.strategy === "string" ? parseCaptionStrategy(j.strategy) : undefined,
    neighbours: num("neighbours"),
    temperature: num("temperature"),
    weight: num("weight"),
    consensus: typeof j.consensus === "string" ? parseConsensus(j.consensus) : undefined,
  };
  mergeCaptioning(captioningDefaults(undefined), out);
  return out;
}
