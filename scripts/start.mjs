#!/usr/bin/env node
// `npm start`: the API (imports and indexes MedPix on first start) and the admin, on embedded defaults.
// Everything a fresh clone lacks after `npm ci` is made here: the Prisma client, the API's compiled
// bundle, the admin build (each only when missing or its sources changed).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePrismaClient } from "@medcap/db/ensure-client";
import { ensureApiBuild } from "../apps/api/scripts/build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const adminDir = path.join(root, "apps", "admin");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", TURBO_TELEMETRY_DISABLED: "1" };
const apiPort = env.PORT ?? "4000";
const adminPort = env.ADMIN_PORT ?? "3001";
const adminHost = env.ADMIN_HOST ?? "127.0.0.1";
env.API_URL ??= `http://127.0.0.1:${apiPort}/graphql`;

if (ensurePrismaClient()) console.error("generated the Prisma client (first start only)");
if ((await ensureApiBuild()).built) console.error("built the API (apps/api/dist: first start, or its sources changed)");

/** Newest modification time of the admin's sources and configuration. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === ".next" || entry.name.startsWith(".")) continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const nextBin = createRequire(path.join(adminDir, "package.json")).resolve("next/dist/bin/next");
const buildId = path.join(adminDir, ".next", "BUILD_ID");
if (!existsSync(buildId) || statSync(buildId).mtimeMs < newestSource(adminDir)) {
  console.error("building the admin app (first start, or its sources changed)…");
  const build = spawnSync(process.execPath, [nextBin, "build"], { cwd: adminDir, env, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const children = [];
// Each child gets its own process group: a terminal's Ctrl-C reaches only this script, which asks
// each child once to stop (a second signal would make the API skip draining).
function run(name, cmd, args, opts) {
  const child = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "inherit", "inherit"], detached: true, ...opts });
  child.on("exit", (code, signal) => {
    console.error(`${name} exited (${signal ?? code})`);
    shutdown(code ?? 1);
  });
  children.push(child);
  return child;
}

let stopping = false;
function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 30_000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on("exit", r)) : null))).then(() => process.exit(code));
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
});

env.MEDCAP_AUTO_IMPORT ??= "true"; // first start: import MedPix and index it
// Development default: a checkout beside the shared data folder imports the MedPix copy there. It
// lives here, not in the API's configuration, so a deployment looks only where MEDPIX_DIR says.
if (!env.MEDPIX_DIR) env.MEDPIX_DIR = path.join(root, "..", "shared", "data", "medpix-2.0");
run("api", process.execPath, [path.join(root, "apps", "api", "bin", "medcap.mjs"), "serve", "--port", apiPort]);
// Run Next's own entry with node (not through npx) so SIGTERM reaches the server itself.
run("admin", process.execPath, [nextBin, "start", "-p", adminPort, "-H", adminHost], { cwd: adminDir });
console.error(
  `MedCap: API http://127.0.0.1:${apiPort}/graphql (GET /readyz shows start-up progress) · admin http://${adminHost}:${adminPort}`,
);
