import path from "node:path";
import type { NextConfig } from "next";

// Next's hydration uses inline scripts, hence 'unsafe-inline' (no nonces without dynamic rendering of
// every page); the value of the policy here is frame-ancestors, no plugins, and no third-party origin.
const csp = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${process.env.NODE_ENV === "production" ? "" : " 'unsafe-eval'"}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const config: NextConfig = {
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Content-Security-Policy", value: csp },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
  // The Docker image ships only the standalone server (docker/admin.Dockerfile sets NEXT_OUTPUT=standalone);
  // locally `next start` serves the regular build, which it cannot do from a standalone one.
  output: process.env.NEXT_OUTPUT === "standalone" ? "standalone" : undefined,
  // The workspace root, so standalone tracing finds hoisted dependencies.
  outputFileTracingRoot: path.join(import.meta.dirname, "../.."),
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
  experimental: {
    // Image uploads for the search playground go through a server action (the API's own cap is 20 MiB).
    serverActions: { bodySizeLimit: "21mb" },
  },
  turbopack: { root: path.join(import.meta.dirname, "../..") },
};

export default config;
