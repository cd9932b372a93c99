"use server";

import { revalidatePath } from "next/cache";
import { query } from "../lib/session";
import { ActivateModelVersionDocument, ReindexDocument } from "../operations/models.operations";
import { type ActionResult, toResult } from "./action.result";

export async function activateModelAction(id: string): Promise<ActionResult<{ id: string }>> {
  const result = await toResult(async () => ({ id: (await query(ActivateModelVersionDocument, { id })).activateModelVersion.id }));
  if (result.ok) {
    revalidatePath("/models");
    revalidatePath("/");
  }
  return result;
}

export async function reindexAction(modelVersionId: string | undefined): Promise<ActionResult<{ jobId: string }>> {
  return toResult(async () => {
    const { reindex } = await query(ReindexDocument, { modelVersionId: modelVersionId || null });
    return { jobId: reindex.id };
  });
}
