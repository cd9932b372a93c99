// The retrieval contract shared by the CLI, GraphQL resolvers and evaluation.
import type { SearchFilter } from "../vectors/vector.store.js";
import type { CaptioningOverrides, CaptioningSettings, CaptionStrategy, SupportingImage } from "./caption.strategy.js";

/** A query image: uploaded bytes, or an image already in the catalogue. */
export type ImageQuery = { bytes: Uint8Array; imageId?: undefined } | { imageId: string; bytes?: undefined };

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
}

export interface ImageMatch {
  imageId: string;
  caseId: string;
  score: number;
  model: ModelRef;
}

export interface RetrievalPort {
  captionImage(query: ImageQuery, options: { k: number; filter?: SearchFilter } & CaptioningOverrides): Promise<CaptionMatch[]>;
  searchImages(text: string, options: { k: number; filter?: SearchFilter }): Promise<ImageMatch[]>;
  similarImages(query: ImageQuery, options: { k: number; filter?: SearchFilter; excludeSameCase?: boolean }): Promise<ImageMatch[]>;
  /** Re-encodes one caption (after an edit) and updates the vector store. */
  reindexCaption(captionId: string): Promise<void>;
  /** Encodes and indexes one newly added image and its current caption. */
  indexImage(imageId: string): Promise<void>;
  /** What captionImage uses when a call sets no knob: the served model's manifest, then MEDCAP_CAPTION_*. */
  captioningDefaults?(): CaptioningSettings;
}
