// How API keys look outside the service: the Authorization header that carries one, and a key row
// as shown (without its hash). Pure, so the HTTP middleware and the CLI use them without the service.
import type { ApiKeyModel } from "@medcap/db";
import { MedcapError } from "../core/errors.js";

/** The key as shown in lists and audit rows: everything but the hash. */
export function publicKey(key: ApiKeyModel): Omit<ApiKeyModel, "secretHash"> {
  const { secretHash: _hash, ...rest } = key;
  return rest;
}

/** Reads `Authorization: Bearer <secret>`; undefined when the header is absent. */
export function bearerSecret(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new MedcapError("UNAUTHENTICATED", "malformed Authorization header; expected Bearer <secret>");
  return match[1];
}
