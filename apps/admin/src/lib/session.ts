import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { MeDocument } from "../operations/session.operations";
import { ApiError, execute, type Operation } from "./graphql.client";
import type { Role } from "./roles";

export const KEY_COOKIE = "medcap_key";

export interface Session {
  apiKey: string;
  keyId: string;
  label: string;
  role: Role;
}

async function readKey(): Promise<string | undefined> {
  return (await cookies()).get(KEY_COOKIE)?.value || undefined;
}

/** Asks the API who a key belongs to; `null` when the API does not accept it. */
export async function whoIs(apiKey: string): Promise<Omit<Session, "apiKey"> | null> {
  try {
    const { me } = await execute(MeDocument, {}, apiKey);
    return { keyId: me.id, label: me.label, role: me.role };
  } catch (err) {
    if (err instanceof ApiError && (err.code === "UNAUTHENTICATED" || err.code === "FORBIDDEN")) return null;
    throw err;
  }
}

/** The signed-in key, checked against the API once per request. */
export const getSession = cache(async (): Promise<Session | null> => {
  const apiKey = await readKey();
  if (!apiKey) return null;
  const who = await whoIs(apiKey);
  return who ? { apiKey, ...who } : null;
});

export async function requireSession(): Promise<Session> {
  const session = await getSession();
  if (!session) redirect("/login");
  return session;
}

/** Runs an operation as the signed-in user; an expired or revoked key sends them back to the login page. */
export async function query<TResult, TVariables>(
  operation: Operation<TResult, TVariables>,
  variables: TVariables,
  files?: Record<string, File>,
): Promise<TResult> {
  const apiKey = await readKey();
  if (!apiKey) redirect("/login");
  try {
    return await execute(operation, variables, apiKey, files);
  } catch (err) {
    if (err instanceof ApiError && err.code === "UNAUTHENTICATED") redirect("/login?expired=1");
    throw err;
  }
}
