#!/usr/bin/env node
// Where the CPU of a captionImage goes under load (issue #29): sends captionImage (base64 PNG, every
// request a different file, as speed-load.mjs does) to a running server at `concurrency` requests in
// flight for `seconds`, and reads /proc before and after: the CPU time of each thread of the server
// process (event loop, ONNX worker and its pool, libuv pool, libvips) and of each of its descendants
// (the embedded PostgreSQL), per ok request. Linux only.
//
//   node scripts/speed-cpu.mjs --url http://127.0.0.1:4102/graphql --secret S --medpix DIR --pid <server pid> \
//     [--seconds 20] [--concurrency 8] [--warmup 4]
//
// On two cores the sum per request is what sets throughput at concurrency 8; the loader's own CPU is
// printed apart (it shares the cores).
import { readdirSync, readFileSync } from "node:fs";
import { drive, medpixPngs, operations, option, percentile } from "./lib/load.requests.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => option(args, name, fallback);
const url = opt("url");
const secret = opt("secret");
const medpix = opt("medpix");
const pid = opt("pid");
const seconds = Number(opt("seconds", "20"));
const concurrency = Number(opt("concurrency", "8"));
const warmup = Number(opt("warmup", "4"));
if (!url || !secret || !medpix || !pid) {
  console.error("usage: speed-cpu.mjs --url URL --secret S --medpix DIR --pid PID [--seconds N] [--concurrency C] [--warmup W]");
  process.exit(2);
}
const { captionImage } = operations(medpixPngs(medpix), "medcap-cpu");

const ticks = (stat) => {
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { ppid: f[1], cpu: Number(f[11]) + Number(f[12]) };
};
const read = (file) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
};
/** CPU ticks of the server's threads and of its descendant processes, by a readable key. */
function snapshot() {
  const out = new Map();
  const procs = new Map();
  for (const p of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    const stat = read(`/proc/${p}/stat`);
    if (stat) procs.set(p, ticks(stat));
  }
  const descends = (p) => {
    for (let q = procs.get(p)?.ppid, i = 0; q && i < 16; q = procs.get(q)?.ppid, i++) if (q === pid) return true;
    return false;
  };
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const stat = read(`/proc/${pid}/task/${t}/stat`);
    if (stat) out.set(`server thread ${t} (${stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))})`, ticks(stat).cpu);
  }
  for (const [p, { cpu }] of procs) {
    if (p !== pid && descends(p))
      out.set(`child ${p} (${(read(`/proc/${p}/cmdline`) ?? "").split("\0").join(" ").slice(0, 40).trim()})`, cpu);
  }
  return out;
}

async function load(secs) {
  const { latencies, errors } = await drive({ url, secret, nextBody: captionImage, concurrency, seconds: secs });
  return { ok: latencies.length, errors: [...errors.values()].reduce((a, b) => a + b, 0), latencies };
}

await load(warmup);
const hz = 100; // USER_HZ on Linux
const before = snapshot();
const self0 = process.cpuUsage();
const t0 = performance.now();
const { ok, errors, latencies } = await load(seconds);
const wall = (performance.now() - t0) / 1000;
const after = snapshot();
const self = process.cpuUsage(self0);
latencies.sort((a, b) => a - b);
const q = (p) => percentile(latencies, p).toFixed(0);
console.log(`captionImage: ${ok} ok (${(ok / wall).toFixed(1)}/s), ${errors} errors, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`);
const rows = [];
for (const [k, v] of after) {
  const ms = ((v - (before.get(k) ?? 0)) * 1000) / hz;
  if (ms > 0) rows.push([k, ms / Math.max(ok, 1)]);
}
rows.sort((a, b) => b[1] - a[1]);
const sum = (pred) => rows.filter(([k]) => pred(k)).reduce((s, [, v]) => s + v, 0);
console.log("| CPU ms per ok request | |\n| --- | ---: |");
for (const [k, v] of rows.filter(([, v]) => v >= 0.1)) console.log(`| ${k} | ${v.toFixed(2)} |`);
console.log(`| **server threads** | ${sum((k) => k.startsWith("server")).toFixed(1)} |`);
console.log(`| **child processes** | ${sum((k) => k.startsWith("child")).toFixed(1)} |`);
console.log(`| **total** | ${sum(() => true).toFixed(1)} |`);
console.log(`| (this loader) | ${((self.user + self.system) / 1000 / Math.max(ok, 1)).toFixed(1)} |`);
