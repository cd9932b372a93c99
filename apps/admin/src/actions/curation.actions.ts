"use server";

import { revalidatePath } from "next/cache";
import type { FlagDecision, FlagReason } from "../gql/graphql";
import { FLAG_REASONS } from "../lib/format";
import { query } from "../lib/session";
import { FlagCaptionDocument, ResolveFlagDocument, UpdateCaptionDocument } from "../operations/curation.operations";
import { type ActionResult, toResult } from "./action.result";

function text(form: FormData, name: string): string | undefined {
  const v = form.get(name);
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

export async function flagCaptionAction(form: FormData): Promise<ActionResult<{ id: string }>> {
  const captionId = text(form, "captionId");
  const reason = text(form, "reason");
  if (!captionId || !reason || !(FLAG_REASONS as readonly string[]).includes(reason)) {
    return { ok: false, code: "BAD_USER_INPUT", error: "Choose a reason for the flag." };
  }
  const result = await toResult(async () => {
    const { flagCaption } = await query(FlagCaptionDocument, { captionId, reason: reason as FlagReason, note: text(form, "note") ?? null });
    return { id: flagCaption.id };
  });
  if (result.ok) {
    revalidatePath("/cases", "layout");
    revalidatePath("/review");
  }
  return result;
}

export async function resolveFlagAction(input: {
  id: string;
  decision: FlagDecision;
  correctedText?: string | undefined;
  comment?: string | undefined;
}): Promise<ActionResult<{ status: string; revision: number; text: string }>> {
  if (input.decision !== "ACCEPT" && input.decision !== "REJECT") return { ok: false, code: "BAD_USER_INPUT", error: "Unknown decision." };
  const correctedText = input.decision === "ACCEPT" ? input.correctedText?.trim() || null : null;
  const result = await toResult(async () => {
    const { resolveFlag } = await query(ResolveFlagDocument, {
      id: input.id,
      decision: input.decision,
      correctedText,
      comment: input.comment?.trim() || null,
    });
    return { status: resolveFlag.status, revision: resolveFlag.caption.revision, text: resolveFlag.caption.text };
  });
  if (result.ok) {
    revalidatePath("/review");
    revalidatePath("/cases", "layout");
  }
  return result;
}

export async function updateCaptionAction(form: FormData): Promise<ActionResult<{ revision: number }>> {
  const id = text(form, "captionId");
  const newText = text(form, "text");
  if (!id || !newText) return { ok: false, code: "BAD_USER_INPUT", error: "The caption cannot be empty." };
  const result = await toResult(async () => {
    const { updateCaption } = await query(UpdateCaptionDocument, { id, text: newText, comment: text(form, "comment") ?? null });
    return { revision: updateCaption.revision };
  });
  if (result.ok) revalidatePath("/cases", "layout");
  return result;
}
