// The retrieval contract shared by the CLI, GraphQL resolvers and evaluation.
import type { AttributePrediction } from "../attributes/attribute.prediction.js";
import type { AttributePrior, Restriction } from "../attributes/attribute.prior.js";
import type { DecodedImage } from "../encoders/image.preprocess.js";
import type { ExplainOptions, ExplainTarget, MatchExplanation } from "../explain/explanation.service.js";
import type { SearchFilter } from "../vectors/vector.store.js";
import type { CaptioningOverrides, CaptioningSettings, CaptionStrategy, SupportingImage } from "./caption.strategy.js";

/**
 * A query image: uploaded bytes (with their pixels when the intake already decoded them, so nothing
 * decodes them twice), or an image already in the catalogue.
 */
export type ImageQuery =
  | { bytes: Uint8Array; decoded?: DecodedImage; imageId?: undefined }
  | { imageId: string; bytes?: undefined; decoded?: undefined };

export interface ModelRef {
  name: string;
  version: string;
  modelVersionId: string;
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

export interface RetrievalPort {
  captionImage(
    query: ImageQuery,
    options: { k: number; filter?: SearchFilter } & CaptioningOverrides & PriorOption,
  ): Promise<CaptionMatch[]>;
  searchImages(text: string, options: { k: number; filter?: SearchFilter }): Promise<ImageMatch[]>;
  similarImages(
    query: ImageQuery,
    options: { k: number; filter?: SearchFilter; excludeSameCase?: boolean } & PriorOption,
  ): Promise<ImageMatch[]>;
  /** The query image's predicted attributes (models with attribute heads). */
  classifyImage?(query: ImageQuery): Promise<ImageClassification>;
  /** The attribute priors applied by default (null where the model has none). */
  attributePriors?(): { captioning: AttributePrior | null; similarImages: AttributePrior | null };
  /** Re-encodes one caption (after an edit) and updates the vector store. */
  reindexCaption(captionId: string): Promise<void>;
  /** Encodes and indexes one newly added image and its current caption. */
  indexImage(imageId: string): Promise<void>;
  /** What captionImage uses when a call sets no knob: the served model's manifest, then MEDCAP_CAPTION_*. */
  captioningDefaults?(): CaptioningSettings;
  /** Occlusion map + word weights for a query image and one target (issue #17); absent = not offered. */
  explainMatch?(query: ImageQuery, target: ExplainTarget, options: ExplainOptions): Promise<MatchExplanation>;
}
