// The model's view (CLIPScore-style, relative): a caption is suspicious when its own image prefers the
// captions of other cases' images to it, and the caption prefers other cases' images to its own image.
// Absolute cosine scores drift between models and images; ranks against neighbours do not.
import type { AttributePrediction } from "../attributes/attribute.prediction.js";
import { attributeOf, REGION_GROUP } from "../attributes/attribute.prediction.js";
import { anatomyWords, type ImageFacts, modalityReasons } from "./caption.metadata.js";
import type { SuspicionReason } from "./suspicion.reason.js";

export interface AgreementInput {
  /** Cosine of the caption with its own image. */
  own: number;
  /** Cosines of the image with the nearest captions of other cases (image → text search). */
  imageToCaptions: readonly number[];
  /** Cosines of the caption with the nearest images of other cases (text → image search). */
  captionToImages: readonly number[];
}

/** Share of `scores` strictly above `own` (0 when there are none). */
const shareAbove = (own: number, scores: readonly number[]) => (scores.length ? scores.filter((s) => s > own).length / scores.length : 0);

/**
 * How much the model disagrees, 0..1: the mean of the two shares of other cases' pairs that beat the
 * caption's own pair. Both directions count, so a generic caption that matches every image (wins on
 * one side only) scores half.
 */
export function disagreement(input: AgreementInput): number {
  return (shareAbove(input.own, input.imageToCaptions) + shareAbove(input.own, input.captionToImages)) / 2;
}

/** MODEL_DISAGREES when most neighbours' pairs beat the caption's own; strength grows with the share. */
export function agreementReasons(input: AgreementInput, threshold = 0.6): SuspicionReason[] {
  const d = disagreement(input);
  if (d < threshold) return [];
  const best = Math.max(...input.imageToCaptions, -1);
  return [
    {
      code: "MODEL_DISAGREES",
      detail: `The model matches this image better with ${Math.round(100 * shareAbove(input.own, input.imageToCaptions))}% of its nearest other captions, and this caption better with ${Math.round(100 * shareAbove(input.own, input.captionToImages))}% of its nearest other images, than with each other (own ${input.own.toFixed(3)}, best other ${best.toFixed(3)}).`,
      strength: Math.min(0.9, 0.3 + 0.6 * ((d - threshold) / (1 - threshold))),
    },
  ];
}

/** Confident enough that a contradiction means something (the attribute prior's own bar). */
const CONFIDENT = 0.9;

/**
 * The image's predicted modality or region group (attribute heads) contradicts the caption's words.
 * Null predictions (a model without heads) yield nothing.
 */
export function predictedAttributeReasons(
  text: string,
  image: ImageFacts,
  predictions: readonly AttributePrediction[] | null | undefined,
): SuspicionReason[] {
  if (!predictions?.length) return [];
  const out: SuspicionReason[] = [];
  const modality = attributeOf(predictions, "modality");
  if (modality && modality.probability >= CONFIDENT && modality.label in { CT: 1, MR: 1, XR: 1, US: 1 }) {
    const asPredicted = modalityReasons(text, { ...image, modality: modality.label as ImageFacts["modality"], modalityDetail: null });
    for (const r of asPredicted)
      out.push({
        code: "PREDICTED_ATTRIBUTE_MISMATCH",
        detail: `The model sees ${modality.label} (p = ${modality.probability.toFixed(2)}) but the caption speaks of ${r.words?.join(", ")}.`,
        strength: 0.5,
        words: r.words,
      });
  }
  const region = attributeOf(predictions, REGION_GROUP);
  if (region && region.probability >= CONFIDENT) {
    const named = anatomyWords(text);
    if (named.size > 0 && !named.has(region.label)) {
      const found = [...named.values()].flat();
      out.push({
        code: "PREDICTED_ATTRIBUTE_MISMATCH",
        detail: `The model sees ${region.label} (p = ${region.probability.toFixed(2)}) but the caption names ${found.slice(0, 5).join(", ")}.`,
        strength: 0.5,
        words: found,
      });
    }
  }
  return out;
}
