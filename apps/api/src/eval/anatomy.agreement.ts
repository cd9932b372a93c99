// Anatomy agreement (issue #24): does what the model retrieved for a query image come from an image of
// the same body region, modality and plane? Caption metrics barely separate a retrieval model from a
// random caption here (DESIGN.md "What caption metrics reward"), while a caption taken from the wrong
// region or modality is the error a radiologist notices first. So each figure stands beside its random
// floor, computed exactly from the pool a random pick draws from.
//
// Pure functions over plain records; the evaluation service gathers the attributes (one query) and
// decides what the ranked items and the pool are for its protocol.
import { regionGroup } from "../core/anatomy.regions.js";

/** The attributes compared; null = not known for that image. */
export interface AnatomyAttrs {
  /** MedPix `Location Category` as stored. */
  regionRaw: string | null;
  /** The category's anatomical group (core/anatomy.regions.ts). */
  regionGrouped: string | null;
  modality: string | null;
  plane: string | null;
}

export type AnatomyAttribute = keyof AnatomyAttrs;

/** k of the "all of the top k" figures. */
export const ALL_OF_TOP = 5;

/** Reported for the top-1 result. */
export const TOP1_ATTRIBUTES = ["regionRaw", "regionGrouped", "modality", "plane"] as const satisfies readonly AnatomyAttribute[];
/** Reported for "all of the top 5" (the raw region is left out: the grouped one is the anatomy). */
export const ALL_OF_TOP_ATTRIBUTES = ["regionGrouped", "modality", "plane"] as const satisfies readonly AnatomyAttribute[];

/** A share of query images that agree on one attribute, beside the share a random pick would reach. */
export interface AgreementFigure {
  /** Share of the n queries that agree, 0..1; null when n = 0. */
  value: number | null;
  /** Expected share for a uniformly random pick from the pool; null when n = 0. */
  floor: number | null;
  /** Queries in the denominator: those whose own attribute is known. */
  n: number;
}

export interface AnatomyFigures {
  regionRaw?: AgreementFigure;
  regionGrouped: AgreementFigure;
  modality: AgreementFigure;
  plane: AgreementFigure;
}

export interface AnatomyAgreement {
  /** What was compared with the query image, in words. */
  basis: string;
  top1: AnatomyFigures;
  /** Only when asked for (caption-library): the first images of ALL of the top 5 agree. */
  allOfTop5?: AnatomyFigures;
}

export interface AgreementQuery {
  attrs: AnatomyAttrs;
  /**
   * The image behind each ranked result, best first (caption-library: each caption's first provenance
   * image; retrieval: the nearest other image). null = a result whose image is unknown. An attribute the
   * result's image lacks counts as disagreement, as does a missing result.
   */
  ranked: (AnatomyAttrs | null)[];
  /** The query is itself one of the pool's entries (retrieval within a split): left out of its floor. */
  inPool?: boolean;
}

/** Empty or blank values are unknown, like null. */
const known = (v: string | null | undefined): string | null => (v === null || v === undefined || v.trim() === "" ? null : v.trim());

/** The compared attributes of one catalogue image. */
export function anatomyAttrs(image: {
  dataset: string | null;
  locationCategory: string | null;
  modality: string | null;
  plane: string | null;
}): AnatomyAttrs {
  const regionRaw = known(image.locationCategory);
  return {
    regionRaw,
    regionGrouped: regionGroup(image.dataset, regionRaw),
    modality: known(image.modality),
    plane: known(image.plane),
  };
}

/** How many pool entries carry each value of one attribute (entries without it carry none). */
function valueCounts(pool: readonly AnatomyAttrs[], attribute: AnatomyAttribute): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of pool) {
    const v = p[attribute];
    if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

function figure(
  queries: readonly AgreementQuery[],
  attribute: AnatomyAttribute,
  counts: Map<string, number>,
  poolSize: number,
  top: number,
): AgreementFigure {
  let n = 0;
  let agree = 0;
  let floor = 0;
  for (const q of queries) {
    const v = q.attrs[attribute];
    if (v === null) continue;
    n++;
    const results = q.ranked.slice(0, top);
    if (results.length === top && results.every((r) => r !== null && r[attribute] === v)) agree++;
    // P(a uniform pick from the pool carries v), the query itself taken out of the pool where it is in it.
    const same = (counts.get(v) ?? 0) - (q.inPool ? 1 : 0);
    const size = poolSize - (q.inPool ? 1 : 0);
    const p = size > 0 ? same / size : 0;
    // For all of the top k: p^k, as if the k picks were independent (an approximation). The k distinct
    // captions of a ranking are really drawn without replacement, which gives ∏ (same − i) / (size − i),
    // a little lower; with pools of hundreds (about 1,100 MedPix library captions) the two differ by
    // less than 0.001, and p^k reads as what it is.
    floor += p ** top;
  }
  return n === 0 ? { value: null, floor: null, n } : { value: round(agree / n), floor: round(floor / n), n };
}

/**
 * The anatomy agreement figures of one run.
 *
 * @param queries each query image with the images behind its ranked results
 * @param pool what a random pick draws from, one entry per pickable item (caption-library: one per
 *   distinct library caption, the first library image that carries it; retrieval: every image of the split)
 * @param options.allOfTop5 also report whether ALL of the top 5 agree (caption-library); each query then
 *   needs 5 ranked results, fewer count as disagreement
 */
export function anatomyAgreement(
  queries: readonly AgreementQuery[],
  pool: readonly AnatomyAttrs[],
  options: { basis: string; allOfTop5?: boolean },
): AnatomyAgreement {
  const counts = new Map(TOP1_ATTRIBUTES.map((a) => [a, valueCounts(pool, a)]));
  const figures = <A extends AnatomyAttribute>(attributes: readonly A[], top: number) =>
    Object.fromEntries(attributes.map((a) => [a, figure(queries, a, counts.get(a) as Map<string, number>, pool.length, top)])) as Record<
      A,
      AgreementFigure
    >;
  const out: AnatomyAgreement = { basis: options.basis, top1: figures(TOP1_ATTRIBUTES, 1) };
  if (options.allOfTop5) out.allOfTop5 = figures(ALL_OF_TOP_ATTRIBUTES, ALL_OF_TOP);
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const numberOrNull = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

function readFigure(v: unknown): AgreementFigure | undefined {
  if (!isRecord(v) || typeof v.n !== "number") return undefined;
  return { value: numberOrNull(v.value), floor: numberOrNull(v.floor), n: v.n };
}

function readFigures(v: unknown): AnatomyFigures | undefined {
  if (!isRecord(v)) return undefined;
  const [regionGrouped, modality, plane] = [readFigure(v.regionGrouped), readFigure(v.modality), readFigure(v.plane)];
  if (!regionGrouped || !modality || !plane) return undefined;
  const regionRaw = readFigure(v.regionRaw);
  return { ...(regionRaw ? { regionRaw } : {}), regionGrouped, modality, plane };
}

/** The anatomy figures stored in a run's metrics JSON; null for runs (or protocols) without them. */
export function readAnatomyAgreement(metrics: unknown): AnatomyAgreement | null {
  if (!isRecord(metrics) || !isRecord(metrics.anatomy)) return null;
  const a = metrics.anatomy;
  const top1 = readFigures(a.top1);
  if (!top1) return null;
  const allOfTop5 = readFigures(a.allOfTop5);
  return { basis: typeof a.basis === "string" ? a.basis : "", top1, ...(allOfTop5 ? { allOfTop5 } : {}) };
}
