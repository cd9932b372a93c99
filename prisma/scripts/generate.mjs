// `prisma generate` offline, and only when needed.
//
// The Prisma CLI insists on locating a native schema engine before it starts, although generate
// never runs it: point it at a harmless executable unless one is configured. A stamp beside the
// generated client records the schema and Prisma version it was generated from, so every entry
// point (npm start, the medcap CLI, turbo's graphs) can call ensurePrismaClient() cheaply and a
// fresh clone never meets a missing client.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const stampFile = path.join(packageRoot, "generated", "client", ".schema-stamp");

function wantedStamp() {
  const require = createRequire(path.join(packageRoot, "package.json"));
  const prismaVersion = JSON.parse(readFileSync(require.resolve("prisma/package.json"), "utf8")).version;
  const schema = readFileSync(path.join(packageRoot, "schema.prisma"));
  return createHash("sha256").update(schema).update(`\0prisma@${prismaVersion}`).digest("hex");
}

/** Runs `prisma generate`; throws with the CLI's exit status on failure. */
export function generatePrismaClient() {
  const env = { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
  if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
    const candidate = ["/usr/bin/true", "/bin/true"].find((p) => existsSync(p));
    if (candidate) env.PRISMA_SCHEMA_ENGINE_BINARY = candidate;
  }
  const cli = createRequire(path.join(packageRoot, "package.json")).resolve("prisma/build/index.js");
  // stdout goes to stderr: CLI commands keep stdout for their own (often JSON) output.
  const result = spawnSync(process.execPath, [cli, "generate"], { cwd: packageRoot, stdio: ["ignore", 2, 2], env });
  if (result.status !== 0) throw new Error(`prisma generate failed (exit ${result.status ?? result.signal})`);
  writeFileSync(stampFile, `${wantedStamp()}\n`);
}

/** Generates the client when it is missing or was generated from another schema; true when it ran. */
export function ensurePrismaClient() {
  const current = existsSync(stampFile) ? readFileSync(stampFile, "utf8").trim() : "";
  if (current === wantedStamp() && existsSync(path.join(packageRoot, "generated", "client", "client.ts"))) return false;
  generatePrismaClient();
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    generatePrismaClient();
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
