"use server";

import { revalidatePath } from "next/cache";
import type { EvaluationProtocol, Role, Split } from "../gql/graphql";
import { SPLITS } from "../lib/format";
import { ROLES } from "../lib/roles";
import { query } from "../lib/session";
import { RunEvaluationDocument } from "../operations/evaluations.operations";
import { JobDocument } from "../operations/jobs.operations";
import { CreateApiKeyDocument, RevokeApiKeyDocument } from "../operations/keys.operations";
import { ActivateModelVersionDocument, ReindexDocument } from "../operations/models.operations";
import { type ActionResult, toResult } from "./action.result";

const PROTOCOLS = ["RETRIEVAL", "CAPTION_LIBRARY", "SEED_TEMPLATE"] as const;

export async function runEvaluationAction(input: {
  protocol: string;
  split: string;
  modelVersionId?: string | undefined;
}): Promise<ActionResult<{ jobId: string }>> {
  if (!(PROTOCOLS as readonly string[]).includes(input.protocol) || !(SPLITS as readonly string[]).includes(input.split)) {
    return { ok: false, code: "BAD_USER_INPUT", error: "Choose a protocol and a split." };
  }
  return toResult(async () => {
    const { runEvaluation } = await query(RunEvaluationDocument, {
      protocol: input.protocol as EvaluationProtocol,
      split: input.split as Split,
      modelVersionId: input.modelVersionId || null,
    });
    return { jobId: runEvaluation.id };
  });
}

export async function reindexAction(modelVersionId: string | undefined): Promise<ActionResult<{ jobId: string }>> {
  return toResult(async () => {
    const { reindex } = await query(ReindexDocument, { modelVersionId: modelVersionId || null });
    return { jobId: reindex.id };
  });
}

export async function jobAction(id: string) {
  return toResult(async () => (await query(JobDocument, { id })).job);
}

export async function activateModelAction(id: string): Promise<ActionResult<{ id: string }>> {
  const result = await toResult(async () => ({ id: (await query(ActivateModelVersionDocument, { id })).activateModelVersion.id }));
  if (result.ok) {
    revalidatePath("/models");
    revalidatePath("/");
  }
  return result;
}

export async function createApiKeyAction(
  _prev: unknown,
  form: FormData,
): Promise<ActionResult<{ secret: string; label: string; role: string }>> {
  const label = String(form.get("label") ?? "").trim();
  const role = String(form.get("role") ?? "");
  if (!label) return { ok: false, code: "BAD_USER_INPUT", error: "Give the key a label (who or what it is for)." };
  if (!(ROLES as readonly string[]).includes(role)) return { ok: false, code: "BAD_USER_INPUT", error: "Choose a role." };
  const result = await toResult(async () => {
    const { createApiKey } = await query(CreateApiKeyDocument, { label, role: role as Role });
    return { secret: createApiKey.secret, label: createApiKey.key.label, role: createApiKey.key.role };
  });
  if (result.ok) revalidatePath("/keys");
  return result;
}

export async function revokeApiKeyAction(id: string): Promise<ActionResult<{ id: string }>> {
  const result = await toResult(async () => ({ id: (await query(RevokeApiKeyDocument, { id })).revokeApiKey.id }));
  if (result.ok) revalidatePath("/keys");
  return result;
}
