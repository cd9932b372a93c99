#!/usr/bin/env node
// `npm start`: the API (imports and indexes MedPix on first start) and the admin, on embedded defaults.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", TURBO_TELEMETRY_DISABLED: "1" };
const apiPort = env.PORT ?? "4000";
const adminPort = env.ADMIN_PORT ?? "3001";
env.API_URL ??= `http://127.0.0.1:${apiPort}/graphql`;

if (!existsSync(path.join(root, "apps", "admin", ".next", "BUILD_ID"))) {
  console.error("building the admin app (first start only)…");
  const build = spawnSync("npx", ["turbo", "run", "build", "--filter=@medcap/admin"], { cwd: root, env, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const children = [];
function run(name, cmd, args, opts) {
  const child = spawn(cmd, args, { cwd: root, env, stdio: "inherit", ...opts });
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
  setTimeout(() => process.exit(code), 10_000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on("exit", r)) : null))).then(() => process.exit(code));
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));

env.MEDCAP_AUTO_IMPORT ??= "true"; // first start: import MedPix and index it
run("api", process.execPath, [path.join(root, "apps", "api", "bin", "medcap.mjs"), "serve", "--port", apiPort]);
// Run Next's own entry with node (not through npx) so SIGTERM reaches the server itself.
const nextBin = createRequire(path.join(root, "apps", "admin", "package.json")).resolve("next/dist/bin/next");
// Loopback unless ADMIN_HOST says otherwise: the admin holds curators' keys in cookies.
const adminHost = env.ADMIN_HOST ?? "127.0.0.1";
run("admin", process.execPath, [nextBin, "start", "-p", adminPort, "-H", adminHost], { cwd: path.join(root, "apps", "admin") });
console.error(`MedCap: API http://127.0.0.1:${apiPort}/graphql · admin http://${adminHost}:${adminPort}`);
