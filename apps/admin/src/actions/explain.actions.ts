"use server";

import type { ExplainMatchQuery, ImageInput } from "../gql/graphql";
import { query } from "../lib/session";
import { ExplainMatchDocument } from "../operations/explain.operations";
import { type ActionResult, toResult } from "./action.result";

export type Explanation = ExplainMatchQuery["explainMatch"];

/**
 * Explains one match. The form carries the query image (`file` or `imageId`) and exactly one target
 * (`captionId` or `targetImageId`); the API checks both and answers typed errors shown in place.
 */
export async function explainAction(form: FormData): Promise<ActionResult<Explanation>> {
  const file = form.get("file");
  const imageId = String(form.get("imageId") ?? "").trim();
  const captionId = String(form.get("captionId") ?? "").trim() || null;
  const targetImageId = String(form.get("targetImageId") ?? "").trim() || null;
  let image: ImageInput;
  let files: Record<string, File> | undefined;
  if (file instanceof File && file.size > 0) {
    image = { upload: null };
    files = { "image.upload": file };
  } else if (imageId) {
    image = { imageId };
  } else {
    return { ok: false, code: "BAD_USER_INPUT", error: "No query image to explain: search again." };
  }
  return toResult(async () => (await query(ExplainMatchDocument, { image, captionId, imageId: targetImageId }, files)).explainMatch);
}
