"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { ApiError } from "../../lib/graphql.client";
import { safeNext } from "../../lib/safe-redirect";
import { KEY_COOKIE, whoIs } from "../../lib/session";

export interface LoginState {
  error?: string;
  key?: string;
}

const KEY_MAX_AGE_S = 12 * 60 * 60;

/** Secure cookies when the browser reached the admin over https (directly or through a TLS-terminating proxy). */
async function servedOverHttps(): Promise<boolean> {
  const h = await headers();
  return h.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https" || (h.get("origin") ?? "").startsWith("https:");
}

export async function login(_prev: LoginState, form: FormData): Promise<LoginState> {
  const key = String(form.get("apiKey") ?? "").trim();
  if (!key) return { error: "Enter your API key." };
  let who: Awaited<ReturnType<typeof whoIs>>;
  try {
    who = await whoIs(key);
  } catch (err) {
    const message = err instanceof ApiError ? err.message : "The MedCap API could not check this key.";
    return { error: message, key };
  }
  if (!who) return { error: "The API did not accept this key. Check it was copied whole and has not been revoked.", key };
  (await cookies()).set(KEY_COOKIE, key, {
    httpOnly: true,
    sameSite: "lax",
    secure: await servedOverHttps(),
    path: "/",
    maxAge: KEY_MAX_AGE_S,
  });
  redirect(safeNext(form.get("next")));
}

export async function logout(): Promise<void> {
  (await cookies()).delete(KEY_COOKIE);
  redirect("/login");
}
