#!/usr/bin/env node
// The medcap CLI. TypeScript sources run through tsx so a fresh clone needs no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
// Exit explicitly: Prisma's wasm schema engine leaves a 10 s timer behind after migrating.
process.exit(process.exitCode ?? 0);
