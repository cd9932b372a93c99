// Search requests from clients (services.search): bounds on k, filter and text, then the retrieval
// port. The API edge of search, so it lives with the GraphQL layer, not with curation.
import type { ModalityType, Split } from "@medcap/db";
import { MedcapError, overloaded } from "../core/errors.js";
import type { ImageLimits } from "../curation/image.validation.js";
import type { CaptioningOverrides, CaptioningSettings } from "../search/caption.strategy.js";
import { checkGrid, checkPatch, type ExplainOptions, type ExplainTarget, type MatchExplanation } from "../explain/explanation.service.js";
import type { AttributePrior } from "../attributes/attribute.prior.js";
import type { CaptionMatch, ImageClassification, ImageMatch, ImageQuery, RetrievalPort } from "../search/search.types.js";
import type { SearchFilter } from "../vectors/vector.store.js";

export const MAX_QUERY_TEXT = 2000;
const MAX_FILTER_VALUES = 100;

export interface SearchFilterInput {
  datasets?: string[] | null;
  splits?: Split[] | null;
  modalities?: ModalityType[] | null;
  planes?: string[] | null;
  locationCategories?: string[] | null;
  caseIds?: string[] | null;
  excludeCaseIds?: string[] | null;
}

export function toSearchFilter(input: SearchFilterInput | null | undefined): SearchFilter | undefined {
  if (!input) return undefined;
  const out: SearchFilter = {};
  for (const [key, value] of Object.entries(input) as [keyof SearchFilter, unknown[] | null | undefined][]) {
    if (!value) continue;
    if (value.length > MAX_FILTER_VALUES)
      throw new MedcapError("BAD_USER_INPUT", `filter.${key} has more than ${MAX_FILTER_VALUES} values`);
    (out as Record<string, unknown[]>)[key] = value;
  }
  return Object.keys(out).length ? out : undefined;
}

export class SearchRequestService {
  constructor(
    private readonly retrieval: RetrievalPort | undefined,
    private readonly maxK: number,
    /** Byte and pixel limits of query images. */
    readonly limits: ImageLimits,
  ) {}

  checkK(k: number | null | undefined, fallback: number): number {
    const value = k ?? fallback;
    if (!Number.isInteger(value) || value < 1 || value > this.maxK) {
      throw new MedcapError("BAD_USER_INPUT", `k must be between 1 and ${this.maxK}`, { maxK: this.maxK });
    }
    return value;
  }

  private port(): RetrievalPort {
    if (!this.retrieval) throw overloaded("search is not available: the retrieval service is not loaded");
    return this.retrieval;
  }

  /** Knobs left undefined take the served model's defaults; the retrieval service validates ranges. */
  captionImage(
    query: ImageQuery,
    k: number,
    filter?: SearchFilter,
    captioning: CaptioningOverrides = {},
    attributePrior?: boolean,
  ): Promise<CaptionMatch[]> {
    return this.port().captionImage(query, { k, filter, ...captioning, attributePrior });
  }

  /** The query image's predicted attributes; CONFLICT when the served model has no attribute heads. */
  classifyImage(query: ImageQuery): Promise<ImageClassification> {
    const port = this.port();
    if (!port.classifyImage) throw new MedcapError("CONFLICT", "the served retrieval core cannot classify images");
    return port.classifyImage(query);
  }

  /** The attribute priors applied by default; nulls when no retrieval core is loaded or it has none. */
  attributePriors(): { captioning: AttributePrior | null; similarImages: AttributePrior | null } {
    return this.retrieval?.attributePriors?.() ?? { captioning: null, similarImages: null };
  }

  /** null when no retrieval core is loaded, or it does not say. */
  captioningDefaults(): CaptioningSettings | null {
    return this.retrieval?.captioningDefaults?.() ?? null;
  }

  searchImages(text: string, k: number, filter?: SearchFilter): Promise<ImageMatch[]> {
    const clean = text.trim();
    if (!clean) throw new MedcapError("BAD_USER_INPUT", "text must not be empty");
    if (clean.length > MAX_QUERY_TEXT) throw new MedcapError("BAD_USER_INPUT", `text is longer than ${MAX_QUERY_TEXT} characters`);
    return this.port().searchImages(clean, { k, filter });
  }

  similarImages(
    query: ImageQuery,
    k: number,
    filter: SearchFilter | undefined,
    excludeSameCase: boolean,
    attributePrior?: boolean,
  ): Promise<ImageMatch[]> {
    return this.port().similarImages(query, { k, filter, excludeSameCase, attributePrior });
  }

  /** Grid range and exactly one target, checked before any image is read. */
  checkExplainArgs(target: ExplainTarget, options: ExplainOptions): void {
    checkPatch(options.patch, checkGrid(options.grid));
    const given = (["captionId", "imageId"] as const).filter((k) => target[k] != null);
    if (given.length !== 1) {
      throw new MedcapError("BAD_USER_INPUT", `set exactly one of captionId, imageId (got ${given.length ? given.join(", ") : "none"})`);
    }
  }

  explainMatch(query: ImageQuery, target: ExplainTarget, options: ExplainOptions): Promise<MatchExplanation> {
    const port = this.port();
    if (!port.explainMatch) throw overloaded("explanations are not available: the retrieval service does not offer them");
    return port.explainMatch(query, target, options);
  }
}
