// Response headers every API answer carries. The API serves JSON and stored images, never pages, so
// the policy can be strict: nothing may be framed, sniffed into another type, or load anything.
import type { NextFunction, Request, Response } from "express";

/** `sandbox` too: an image opened directly (e.g. an SVG-like payload sniffed by an old browser) runs nothing. */
const STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox";

/**
 * `landingPage`: Apollo's landing page is served at GET /graphql when introspection is on; it loads
 * the Sandbox from Apollo's CDN, so that one route keeps only the anti-framing part of the policy.
 */
export function securityHeaders(options: { landingPage: boolean }) {
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("Cross-Origin-Resource-Policy", "same-site");
    const landing = options.landingPage && req.method === "GET" && req.path === "/graphql";
    res.setHeader("Content-Security-Policy", landing ? "frame-ancestors 'none'" : STRICT_CSP);
    next();
  };
}
