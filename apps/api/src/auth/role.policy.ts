// Roles are ordered: each may do everything the roles below it may.
import type { Role } from "@medcap/db";
import { MedcapError } from "../core/errors.js";

export const ROLES: readonly Role[] = ["VIEWER", "ANNOTATOR", "CURATOR", "ADMIN"];

/** Who is calling: an API key, or the local CLI operator. */
export interface Principal {
  keyId: string;
  label: string;
  role: Role;
}

/** The `actor` of audit rows and the `author` of caption revisions. */
export function actorOf(principal: Principal): string {
  return `${principal.label} (key ${principal.keyId})`;
}

export function hasRole(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}

/** The role just below `role`, or undefined for VIEWER. */
export function roleBelow(role: Role): Role | undefined {
  const i = ROLES.indexOf(role);
  return i > 0 ? ROLES[i - 1] : undefined;
}

export function parseRole(value: string): Role {
  const role = value.trim().toUpperCase() as Role;
  if (!ROLES.includes(role)) {
    throw new MedcapError("BAD_USER_INPUT", `unknown role ${value}; one of ${ROLES.join(", ").toLowerCase()}`);
  }
  return role;
}

/**
 * `authError` is set when a key was presented but is invalid or revoked: that request is refused
 * even for fields that would accept no key at all.
 */
export function requireRole(principal: Principal | undefined, required: Role, authError?: MedcapError): Principal {
  if (authError) throw authError;
  if (!principal) throw new MedcapError("UNAUTHENTICATED", "an API key is required: send Authorization: Bearer <secret>");
  if (!hasRole(principal.role, required)) {
    throw new MedcapError("FORBIDDEN", `this needs the ${required} role; the key has ${principal.role}`, {
      required,
      actual: principal.role,
    });
  }
  return principal;
}
