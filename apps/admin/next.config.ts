import path from "node:path";
import type { NextConfig } from "next";

const config: NextConfig = {
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
