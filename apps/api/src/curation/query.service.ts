// Search requests from clients: bounds on k, filter and text, then the retrieval port.
import type { ModalityType, Split } from "@medcap/db";
import { MedcapError, overloaded } from "../core/errors.js";
import type { ImageLimits } from "./image.validation.js";
import type { CaptioningOverrides, CaptioningSettings } from "../search/caption.strategy.js";
import type { CaptionMatch, ImageMatch, ImageQuery, RetrievalPort } from "../search/search.types.js";
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

export class QueryService {
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
  captionImage(query: ImageQuery, k: number, filter?: SearchFilter, captioning: CaptioningOverrides = {}): Promise<CaptionMatch[]> {
    return this.port().captionImage(query, { k, filter, ...captioning });
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

  similarImages(query: ImageQuery, k: number, filter: SearchFilter | undefined, excludeSameCase: boolean): Promise<ImageMatch[]> {
    return this.port().similarImages(query, { k, filter, excludeSameCase });
  }
}
