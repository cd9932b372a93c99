import { defineConfig } from "vitest/config";

export default defineConfig({
  // Unit tests of the admin's pure logic; the pages are tested in a browser under /test/admin.
  test: { include: ["src/**/*.spec.ts"] },
});
