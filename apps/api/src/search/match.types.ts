// What a search answers with: caption and image matches, classifications. A leaf of search/ (it
// imports only lower layers), so the ranking modules (caption.strategy.ts, consensus.rerank.ts) and
// the retrieval contract (search.types.ts) can all name a match without importing each other.
import type { AttributePrediction } from "../attributes/attribute.prediction.js";
import type { Restriction } from "../attributes/attribute.prior.js";
import type { ModelRef } from "../core/retrieval.types.js";

export const CAPTION_STRATEGIES = ["text", "images", "fused"] as const;
export type CaptionStrategy = (typeof CAPTION_STRATEGIES)[number];

/** A neighbour image that voted for a caption, and how much of the vote it carried. */
export interface SupportingImage {
  imageId: string;
  caseId: string;
  similarity: number;
  /** w_j / Σ w: this image's share of the whole vote. */
  weight: number;
}

/** A distinct caption text ranked for a query image, with every image/case that carries it. */
export interface CaptionMatch {
  text: string;
  /** The strategy's ranking score (cosine for `text`, vote for `images`, their blend for `fused`). */
  score: number;
  /** cos(query image, caption text). */
  similarity: number;
  /** Share of the neighbour-image vote (0 for `text`, or when no neighbour carries the text). */
  vote: number;
  strategy: CaptionStrategy;
  /** Library images near the query whose caption is this text, nearest first: why it was chosen. */
  supportingImages: SupportingImage[];
  captionIds: string[];
  imageIds: string[];
  caseIds: string[];
  model: ModelRef;
  /** The query image's predicted attributes; null when the served model has no attribute heads. */
  queryAttributes?: AttributePrediction[] | null;
  /** The attribute prior this answer ran under; null when off or nothing was confident. */
  restriction?: Restriction | null;
  /** The restricted attributes none of this caption's images carries (it was demoted for them). */
  contradicts?: string[];
}

export interface ImageMatch {
  imageId: string;
  caseId: string;
  /** The ranking score: the cosine, less the attribute prior's penalty where it applies. */
  score: number;
  /** Cosine between the query and the image. */
  similarity?: number;
  model: ModelRef;
  queryAttributes?: AttributePrediction[] | null;
  restriction?: Restriction | null;
  contradicts?: string[];
}

/** classifyImage's answer: the attribute heads' predictions and the model that made them. */
export interface ImageClassification {
  attributes: AttributePrediction[];
  model: ModelRef;
}

/** The attribute prior's switch, per call (default on where the served model has one). */
export interface PriorOption {
  attributePrior?: boolean;
}
