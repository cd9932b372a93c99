"use server";

import type {
  CaptionImageQuery,
  CaptionStrategy,
  ImageInput,
  ImageMatchFieldsFragment,
  Modality,
  SearchFilter,
  Split,
} from "../gql/graphql";
import { MODALITIES, SPLITS } from "../lib/format";
import { query } from "../lib/session";
import { CaptionImageDocument, SearchImagesDocument, SimilarImagesDocument } from "../operations/search.operations";
import { type ActionResult, toResult } from "./action.result";

export type SearchMode = "caption" | "text" | "similar";

export type SearchOutcome =
  | { mode: "caption"; captions: CaptionImageQuery["captionImage"]; tookMs: number }
  | { mode: "text" | "similar"; images: ImageMatchFieldsFragment[]; tookMs: number };

export type SearchState = ActionResult<SearchOutcome> | null;

const STRATEGIES: readonly CaptionStrategy[] = ["TEXT", "IMAGES", "FUSED"];

const ACCEPTED = /\.(png|jpe?g|webp|tiff?|dcm|dicom)$/i;

function strings(form: FormData, name: string): string[] {
  return form
    .getAll(name)
    .map((v) => String(v).trim())
    .filter(Boolean);
}

function filterFrom(form: FormData): SearchFilter | null {
  const filter: SearchFilter = {};
  const splits = strings(form, "split").filter((s) => (SPLITS as readonly string[]).includes(s)) as Split[];
  const modalities = strings(form, "modality").filter((m) => (MODALITIES as readonly string[]).includes(m)) as Modality[];
  const planes = strings(form, "plane");
  const locationCategories = strings(form, "locationCategory");
  const datasets = strings(form, "dataset");
  if (splits.length) filter.splits = splits;
  if (modalities.length) filter.modalities = modalities;
  if (planes.length) filter.planes = planes;
  if (locationCategories.length) filter.locationCategories = locationCategories;
  if (datasets.length) filter.datasets = datasets;
  return Object.keys(filter).length ? filter : null;
}

/** Text → images, image → captions or image → similar images, from the playground form. */
export async function searchAction(_prev: SearchState, form: FormData): Promise<SearchState> {
  const mode = String(form.get("mode") ?? "text") as SearchMode;
  const k = Math.min(50, Math.max(1, Number(form.get("k") ?? 10) || 10));
  const filter = filterFrom(form);
  const started = Date.now();

  if (mode === "text") {
    const text = String(form.get("text") ?? "").trim();
    if (!text) return { ok: false, code: "BAD_USER_INPUT", error: "Type a clinical phrase to search for." };
    return toResult(async () => {
      const { searchImages } = await query(SearchImagesDocument, { text, k, filter });
      return { mode: "text" as const, images: searchImages, tookMs: Date.now() - started };
    });
  }

  const file = form.get("file");
  const imageId = String(form.get("imageId") ?? "").trim();
  let image: ImageInput;
  let files: Record<string, File> | undefined;
  if (file instanceof File && file.size > 0) {
    if (!ACCEPTED.test(file.name) && !/^image\//.test(file.type) && file.type !== "application/dicom") {
      return { ok: false, code: "BAD_USER_INPUT", error: "Upload a PNG, JPEG or DICOM image." };
    }
    image = { upload: null };
    files = { "image.upload": file };
  } else if (imageId) {
    image = { imageId };
  } else {
    return { ok: false, code: "BAD_USER_INPUT", error: "Choose an image file, or give the id of an image in the catalogue." };
  }

  if (mode === "caption") {
    // Empty = the served model's default (its cross-validated strategy).
    const picked = String(form.get("strategy") ?? "");
    const strategy = (STRATEGIES as readonly string[]).includes(picked) ? (picked as CaptionStrategy) : null;
    return toResult(async () => {
      const { captionImage } = await query(CaptionImageDocument, { image, k, filter, strategy }, files);
      return { mode: "caption" as const, captions: captionImage, tookMs: Date.now() - started };
    });
  }
  const excludeSameCase = form.get("excludeSameCase") === "on" && !files;
  return toResult(async () => {
    const { similarImages } = await query(SimilarImagesDocument, { image, k, filter, excludeSameCase }, files);
    return { mode: "similar" as const, images: similarImages, tookMs: Date.now() - started };
  });
}
