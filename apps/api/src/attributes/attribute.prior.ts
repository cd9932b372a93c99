// The attribute prior of captioning and similar images (issue #24), the TypeScript side of the shared
// spec in models/toolkit/medcap_toolkit/attributes.py:
//   an attribute (region group, modality) is *confident* when its top probability >= threshold;
//   a candidate *contradicts* it when none of the candidate's images carries the predicted value;
//   its score drops by `penalty` per contradicted attribute (penalty null = DEMOTE, below everything).
// Threshold and penalty are the toolkit's cross-validated choice (manifest captioning.prior and
// similarImages.prior). Pure, so the arithmetic is pinned by unit tests.
import { type AttributePrediction, attributeOf, REGION_GROUP } from "./attribute.prediction.js";

export interface AttributePrior {
  threshold: number;
  /** Score lost per contradicted attribute; null = demoted below every candidate that agrees. */
  penalty: number | null;
}

/** The finite stand-in for "demote" (the toolkit uses the same number, so consensus arithmetic agrees). */
export const DEMOTE = 1e6;

/** The attributes a prior may restrict on, in display order. */
export const RESTRICTED_ATTRIBUTES = [REGION_GROUP, "modality"] as const;

/** The confident predictions a query's candidates are held to, and how to say so. */
export interface Restriction {
  constraints: AttributePrediction[];
  threshold: number;
  penalty: number | null;
  /**
   * The model's grouping of location categories (manifest image.attributes.regionGroups): a candidate's
   * region group is read in the model's own label space, whatever its dataset is called.
   */
  regionGroups: Readonly<Record<string, string>>;
  /** e.g. "restricted to Head · MR (p = 0.97)". */
  summary: string;
}

/** What one library image is, as far as the prior is concerned (from its vector-store payload). */
export interface ImageAttributes {
  dataset: string;
  locationCategory: string | null;
  modality: string;
}

const fmt = (p: number) => p.toFixed(2);

/** The restriction a query gets, or null when the prior is off or nothing is confident. */
export function restrictionFor(
  preds: readonly AttributePrediction[] | null | undefined,
  prior: AttributePrior | null | undefined,
  regionGroups: Readonly<Record<string, string>> = {},
): Restriction | null {
  if (!preds || !prior) return null;
  const constraints = RESTRICTED_ATTRIBUTES.map((a) => attributeOf(preds, a)).filter(
    (p): p is AttributePrediction => p !== undefined && p.probability >= prior.threshold,
  );
  if (constraints.length === 0) return null;
  const labels = constraints.map((c) => c.label).join(" · ");
  const ps = constraints.map((c) => c.probability);
  const p = ps.every((v) => fmt(v) === fmt(ps[0] as number)) ? `p = ${fmt(ps[0] as number)}` : `p = ${ps.map(fmt).join(" / ")}`;
  return { constraints, threshold: prior.threshold, penalty: prior.penalty, regionGroups, summary: `restricted to ${labels} (${p})` };
}

function imageValue(attribute: string, image: ImageAttributes, regionGroups: Readonly<Record<string, string>>): string | null {
  if (attribute === REGION_GROUP) return image.locationCategory ? (regionGroups[image.locationCategory] ?? image.locationCategory) : null;
  if (attribute === "modality") return image.modality.toUpperCase();
  return null;
}

/** The constrained attributes that none of the candidate's images carries. */
export function contradicted(restriction: Restriction | null, images: readonly ImageAttributes[]): string[] {
  if (!restriction) return [];
  return restriction.constraints
    .filter((c) => !images.some((im) => imageValue(c.attribute, im, restriction.regionGroups)?.toUpperCase() === c.label.toUpperCase()))
    .map((c) => c.attribute);
}

/** The score a candidate loses for its contradictions. */
export function penaltyFor(restriction: Restriction | null, contradictions: readonly string[]): number {
  if (!restriction || contradictions.length === 0) return 0;
  return (restriction.penalty ?? DEMOTE) * contradictions.length;
}

/** True when an image agrees with every constraint (provenance lists such images first). */
export const agrees = (restriction: Restriction | null, image: ImageAttributes) => contradicted(restriction, [image]).length === 0;

/** The location categories of one region group in the restriction's grouping (the group's own name included). */
export function categoriesOf(restriction: Restriction, group: string): string[] {
  return [group, ...Object.keys(restriction.regionGroups).filter((c) => restriction.regionGroups[c] === group && c !== group)];
}
