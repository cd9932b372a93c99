#!/usr/bin/env node
// The medcap CLI. Runs the compiled bundle (dist/medcap.js, see scripts/build.mjs), building it first
// when a fresh clone has none or a source changed since, so no step is needed before the first run.
import module from "node:module";
import { ensurePrismaClient } from "@medcap/db/ensure-client";
import { ensureApiBuild } from "../scripts/build.mjs";

// A fresh clone has no generated Prisma client yet; generating it here makes every entry point work.
if (ensurePrismaClient()) process.stderr.write("generated the Prisma client (first run)\n");
let bundle;
try {
  bundle = await ensureApiBuild();
} catch (err) {
  // A read-only install (a container image) whose bundle is missing or stale cannot build in place.
  process.stderr.write(
    `medcap: apps/api/dist/medcap.js is missing or out of date and could not be built (${err.message.split("\n")[0]}); run \`npm run build -w @medcap/api\` where the checkout is writable\n`,
  );
  process.exit(1);
}
if (bundle.built) process.stderr.write("built apps/api/dist/medcap.js (first run, or the sources changed)\n");
// Stack traces point into the TypeScript sources.
process.setSourceMapsEnabled(true);
// V8's compile cache (under the OS temp folder, or NODE_COMPILE_CACHE): later starts skip compiling
// the bundle and its dependencies again (Node 22.1+; off without a writable folder).
module.enableCompileCache?.();
const { main } = await import(bundle.path);
await main(process.argv);
