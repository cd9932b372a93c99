import { type NextRequest, NextResponse } from "next/server";

// Same name as lib/session.ts's KEY_COOKIE; proxy code must not import server-only modules.
const KEY_COOKIE = "medcap_key";

/**
 * Optimistic check only: without a key cookie, a page request goes to the login page with `next`, so
 * signing in returns the user where they were. Whether the key is valid is decided by the API, in the
 * shell layout, on every request.
 */
export function proxy(request: NextRequest) {
  if (request.method !== "GET" || request.cookies.get(KEY_COOKIE)?.value) return NextResponse.next();
  const { pathname, search } = request.nextUrl;
  const login = new URL("/login", request.url);
  if (pathname !== "/") login.searchParams.set("next", `${pathname}${search}`);
  return NextResponse.redirect(login);
}

export const config = {
  // Pages only: not the login page, Next's assets, the icon, or the image route (which answers 401 itself).
  matcher: ["/((?!login|images/|_next/|icon\\.svg|favicon\\.ico).*)"],
};
