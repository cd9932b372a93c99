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
  turbopack: { root: path.join(import.meta.dirname, "../..") },
};

export default config;
