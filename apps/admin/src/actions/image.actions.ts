"use server";

import { revalidatePath } from "next/cache";
import type { AttributeFieldsFragment, Modality } from "../gql/graphql";
import { MODALITIES } from "../lib/format";
import { query } from "../lib/session";
import { AddImageDocument } from "../operations/curation.operations";
import { ClassifyImageDocument } from "../operations/search.operations";
import { type ActionResult, toResult } from "./action.result";

const ACCEPTED = /\.(png|jpe?g|webp|tiff?|dcm|dicom)$/i;

function uploaded(form: FormData): File | null {
  const file = form.get("file");
  return file instanceof File && file.size > 0 ? file : null;
}

function checkFile(file: File | null): string | null {
  if (!file) return "Choose an image file.";
  if (!ACCEPTED.test(file.name) && !/^image\//.test(file.type) && file.type !== "application/dicom")
    return "Upload a PNG, JPEG, WebP, TIFF or DICOM image.";
  return null;
}

/** The served model's attribute predictions for an upload: suggestions the curator confirms or changes. */
export async function classifyUploadAction(
  form: FormData,
): Promise<ActionResult<{ attributes: AttributeFieldsFragment[]; model: string }>> {
  const file = uploaded(form);
  const bad = checkFile(file);
  if (bad) return { ok: false, code: "BAD_USER_INPUT", error: bad };
  return toResult(async () => {
    const { classifyImage } = await query(ClassifyImageDocument, { image: { upload: null } }, { "image.upload": file as File });
    return { attributes: classifyImage.attributes, model: `${classifyImage.modelVersion.name} ${classifyImage.modelVersion.version}` };
  });
}

const text = (form: FormData, name: string) => {
  const v = form.get(name);
  return typeof v === "string" && v.trim() ? v.trim() : null;
};

/** Stores the upload in the case with the caption and the metadata as the curator confirmed it. */
export async function addImageAction(form: FormData): Promise<ActionResult<{ id: string }>> {
  const file = uploaded(form);
  const bad = checkFile(file);
  if (bad) return { ok: false, code: "BAD_USER_INPUT", error: bad };
  const caseId = text(form, "caseId");
  const caption = text(form, "caption");
  const modality = text(form, "modality");
  if (!caseId) return { ok: false, code: "BAD_USER_INPUT", error: "No case to add the image to." };
  if (!caption) return { ok: false, code: "BAD_USER_INPUT", error: "Write the image's caption." };
  if (!modality || !(MODALITIES as readonly string[]).includes(modality))
    return { ok: false, code: "BAD_USER_INPUT", error: "Choose the modality." };
  const result = await toResult(async () => {
    const { addImage } = await query(
      AddImageDocument,
      {
        input: {
          caseId,
          image: { upload: null },
          caption,
          modality: modality as Modality,
          plane: text(form, "plane"),
          locationCategory: text(form, "locationCategory"),
          modalityDetail: text(form, "modalityDetail"),
        },
      },
      { "input.image.upload": file as File },
    );
    return { id: addImage.id };
  });
  if (result.ok) revalidatePath(`/cases/${caseId}`);
  return result;
}
