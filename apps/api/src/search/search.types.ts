// The retrieval contract shared by the CLI, GraphQL resolvers and evaluation.
import type { AttributePrior } from "../attributes/attribute.prior.js";
import type { ImageQuery as CoreImageQuery } from "../core/retrieval.types.js";
import type { DecodedImage } from "../encoders/image.preprocess.js";
import type { ExplainOptions, ExplainTarget, MatchExplanation } from "../explain/explanation.service.js";
import type { SearchFilter } from "../vectors/vector.store.js";
import type { CaptioningOverrides, CaptioningSettings } from "./caption.strategy.js";
import type { CaptionMatch, ImageClassification, ImageMatch, PriorOption } from "./match.types.js";

export type { ModelRef } from "../core/retrieval.types.js";
export type { CaptionMatch, ImageClassification, ImageMatch, PriorOption } from "./match.types.js";

/** A query image, with its pixels when the intake already decoded them (one decode per request). */
export type ImageQuery = CoreImageQuery<DecodedImage>;

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
