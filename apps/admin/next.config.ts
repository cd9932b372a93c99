import path from "node:path";
import type { NextConfig } from "next";

const config: NextConfig = {
  // The Docker image ships only the standalone server, not the whole workspace's node_modules.
  output: "standalone",
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
