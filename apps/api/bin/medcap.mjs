#!/usr/bin/env node
// The medcap CLI. TypeScript sources run through tsx so a fresh clone needs no build step.
import { ensurePrismaClient } from "@medcap/db/ensure-client";
import { register } from "tsx/esm/api";

// A fresh clone has no generated Prisma client yet; generating it here makes every entry point work.
if (ensurePrismaClient()) process.stderr.write("generated the Prisma client (first run)\n");
register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
// Exit explicitly: Prisma's wasm schema engine leaves a 10 s timer behind after migrating.
process.exit(process.exitCode ?? 0);
