#!/usr/bin/env node
// A short smoke of the installed checkout under whichever Node runs this script (CI runs it under
// Node 22, the minimum, after the suite ran under Node 24): the native pieces load and work, then
// the real CLI and API run on a temporary data folder. Exits non-zero on the first failure.
//   node scripts/node-smoke.mjs
import { spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(root, "apps", "api", "bin", "medcap.mjs");
const requireApi = createRequire(path.join(root, "apps", "api", "package.json"));
const t0 = performance.now();
const log = (msg) => console.log(`node-smoke [${process.version}] ${msg}`);

function fail(msg) {
  console.error(`node-smoke [${process.version}] FAILED: ${msg}`);
  process.exit(1);
}

async function importFromApi(name) {
  return import(pathToFileURL(requireApi.resolve(name)).href);
}

// Native addons: each must load on this Node and do one real thing.
const ort = await importFromApi("onnxruntime-node");
const tiny = path.join(root, "apps", "api", "src", "encoders", "fixtures", "tiny-model");
const session = await (ort.InferenceSession ?? ort.default.InferenceSession).create(path.join(tiny, "text_encoder.onnx"));
log(`onnxruntime-node ok (text encoder inputs: ${session.inputNames.join(", ")})`);
await session.release();

const sharp = (await importFromApi("sharp")).default;
const png = await sharp({ create: { width: 3, height: 2, channels: 3, background: "#808080" } })
  .png()
  .toBuffer();
const meta = await sharp(png).metadata();
if (meta.width !== 3 || meta.height !== 2) fail(`sharp decoded ${meta.width}x${meta.height}, expected 3x2`);
log(`sharp ok (libvips ${sharp.versions.vips})`);

let usearchPath;
try {
  usearchPath = requireApi.resolve("usearch");
} catch {
  log("usearch not installed, skipped");
}
if (usearchPath) {
  const usearch = await import(pathToFileURL(usearchPath).href);
  const Index = usearch.Index ?? usearch.default.Index;
  const index = new Index({ dimensions: 2, metric: "cos" });
  index.add(1n, new Float32Array([1, 0]));
  index.add(2n, new Float32Array([0, 1]));
  const found = index.search(new Float32Array([0.9, 0.1]), 1);
  if (Number(found.keys[0]) !== 1) fail(`usearch found ${found.keys[0]}, expected 1`);
  log("usearch ok");
}

// The CLI and the API, with embedded PostgreSQL (its binaries are the third native piece).
const dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-smoke-"));
await chmod(dataDir, 0o755); // PostgreSQL runs as the postgres user when this runs as root
const env = { ...process.env, MEDCAP_DATA_DIR: dataDir, MEDCAP_LOG_LEVEL: "warn", MEDCAP_AUTO_IMPORT: "false" };
const children = new Set();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

function runBin(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

try {
  const info = await runBin(["info", "--json"]);
  if (info.code !== 0) fail(`medcap info exited ${info.code ?? info.signal}\n${info.stderr}`);
  const parsed = JSON.parse(info.stdout);
  if (!parsed.model?.name || parsed.database !== "embedded") fail(`unexpected medcap info: ${info.stdout}`);
  log(`medcap info ok (model ${parsed.model.name}, provider ${parsed.provider})`);

  const port = await new Promise((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const { port: p } = srv.address();
      srv.close(() => resolve(p));
    });
  });
  const serve = spawn(process.execPath, [bin, "serve", "--port", String(port)], { env, stdio: ["ignore", "ignore", "pipe"] });
  children.add(serve);
  let serveErr = "";
  serve.stderr.on("data", (d) => (serveErr += d));
  const exited = new Promise((resolve) => serve.on("close", (code, signal) => resolve({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  let health;
  while (Date.now() < deadline) {
    if (serve.exitCode !== null) fail(`medcap serve exited early (${serve.exitCode})\n${serveErr}`);
    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ health { status database retrieval } }" }),
    }).catch(() => undefined);
    const body = res?.ok ? await res.json() : undefined;
    if (body?.data?.health?.database && body.data.health.retrieval) {
      health = body.data.health;
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!health) fail(`medcap serve did not become healthy within 120 s\n${serveErr}`);
  const live = await fetch(`${base}/healthz`);
  if (!live.ok) fail(`/healthz answered ${live.status}`);
  log(`medcap serve ok (/healthz ${live.status}, GraphQL health ${JSON.stringify(health)})`);
  serve.kill("SIGTERM");
  const { code, signal } = await exited;
  children.delete(serve);
  if (code !== 0) fail(`medcap serve exited ${code ?? signal} after SIGTERM\n${serveErr}`);
  log(`medcap serve stopped cleanly; smoke passed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
