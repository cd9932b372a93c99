import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.spec.ts", "test/**/*.spec.ts"],
    // Medium tests start embedded PostgreSQL and ONNX sessions; on 2 cores, files run one at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One Qdrant server for the run (or the reason it is skipped): see test/qdrant.global-setup.ts.
    globalSetup: ["test/qdrant.global-setup.ts"],
  },
});
