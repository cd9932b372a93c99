"use server";

import { revalidatePath } from "next/cache";
import { query } from "../lib/session";
import { DismissSuspicionDocument, FlagFromSuspicionDocument } from "../operations/audit.operations";
import { type ActionResult, toResult } from "./action.result";

export async function dismissSuspicionAction(input: { id: string; note?: string | undefined }): Promise<ActionResult<{ id: string }>> {
  const result = await toResult(async () => {
    const { dismissSuspicion } = await query(DismissSuspicionDocument, { id: input.id, note: input.note?.trim() || null });
    return { id: dismissSuspicion.id };
  });
  if (result.ok) revalidatePath("/audit");
  return result;
}

export async function flagFromSuspicionAction(input: { id: string }): Promise<ActionResult<{ id: string; reason: string }>> {
  const result = await toResult(async () => {
    const { flagFromSuspicion } = await query(FlagFromSuspicionDocument, { id: input.id });
    return { id: flagFromSuspicion.id, reason: flagFromSuspicion.reason };
  });
  if (result.ok) {
    revalidatePath("/audit");
    revalidatePath("/review");
  }
  return result;
}
