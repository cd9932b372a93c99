// Role ladder of the API: each role can do everything the one below it can.
export const ROLES = ["VIEWER", "ANNOTATOR", "CURATOR", "ADMIN"] as const;
export type Role = (typeof ROLES)[number];

export function atLeast(role: Role | string | null | undefined, min: Role): boolean {
  if (!role) return false;
  const have = ROLES.indexOf(role as Role);
  return have >= 0 && have >= ROLES.indexOf(min);
}

/** What the UI offers each role; the API enforces the same ladder on its side. */
export const can = {
  flag: (role: Role | string | undefined) => atLeast(role, "ANNOTATOR"),
  resolveFlags: (role: Role | string | undefined) => atLeast(role, "CURATOR"),
  editCaptions: (role: Role | string | undefined) => atLeast(role, "CURATOR"),
  runEvaluations: (role: Role | string | undefined) => atLeast(role, "CURATOR"),
  manageModels: (role: Role | string | undefined) => atLeast(role, "ADMIN"),
  manageKeys: (role: Role | string | undefined) => atLeast(role, "ADMIN"),
};
