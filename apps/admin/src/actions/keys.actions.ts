"use server";

import { revalidatePath } from "next/cache";
import type { Role } from "../gql/graphql";
import { ROLES } from "../lib/roles";
import { query } from "../lib/session";
import { CreateApiKeyDocument, RevokeApiKeyDocument } from "../operations/keys.operations";
import { type ActionResult, toResult } from "./action.result";

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
