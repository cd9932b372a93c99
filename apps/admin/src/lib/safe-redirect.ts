// Where the login form may send the user afterwards. `next` comes from the URL, so it is attacker
// input: `/\evil.example` and `/<TAB>/evil.example` both start with one slash, yet browsers read
// `\` as `/` and drop tabs and newlines, turning them into `//evil.example`, another site.

/** A placeholder origin: a path is safe exactly when resolving it keeps this origin. */
const HERE = "http://admin.invalid";

/** `value` when it is a path on this site (not the login page itself), else `/`. */
export function safeNext(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//")) return "/";
  // Backslashes and control characters have no business in a local path and are what browsers "fix".
  if (value.includes("\\") || [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return "/";
  let url: URL;
  try {
    url = new URL(value, HERE);
  } catch {
    return "/";
  }
  if (url.origin !== HERE) return "/";
  if (url.pathname === "/login" || url.pathname.startsWith("/login/")) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}
