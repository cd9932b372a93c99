import { cookies } from "next/headers";
import type { NextRequest } from "next/server";
import { apiOrigin } from "../../../lib/api.config";
import { KEY_COOKIE } from "../../../lib/session";

/**
 * Image bytes from the API's authenticated `/images/:id?size=` route, with the signed-in key added
 * here so it never reaches the browser. Only images are proxied: this is not a general API tunnel.
 */
export async function GET(request: NextRequest, ctx: RouteContext<"/images/[id]">) {
  const { id } = await ctx.params;
  const key = (await cookies()).get(KEY_COOKIE)?.value;
  if (!key) return new Response("sign in first", { status: 401 });
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return new Response("bad image id", { status: 400 });
  const upstream = new URL(`/images/${id}`, apiOrigin());
  const size = request.nextUrl.searchParams.get("size");
  if (size && /^\d{1,4}$/.test(size)) upstream.searchParams.set("size", size);
  let res: Response;
  try {
    res = await fetch(upstream, { headers: { authorization: `Bearer ${key}` }, cache: "no-store" });
  } catch {
    return new Response("the MedCap API cannot be reached", { status: 502 });
  }
  if (!res.ok || !res.body) return new Response(res.statusText || "image unavailable", { status: res.status === 200 ? 502 : res.status });
  const headers = new Headers({
    "content-type": res.headers.get("content-type") ?? "application/octet-stream",
    // Content-addressed on the API side: an id's bytes never change; keep it private to this browser.
    "cache-control": "private, max-age=86400",
    "x-content-type-options": "nosniff",
  });
  const length = res.headers.get("content-length");
  if (length) headers.set("content-length", length);
  const etag = res.headers.get("etag");
  if (etag) headers.set("etag", etag);
  return new Response(res.body, { status: 200, headers });
}
