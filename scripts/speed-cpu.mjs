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
import path from "node:path";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
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
const imagesDir = [path.join(medpix, "MedPix-2-0", "images"), path.join(medpix, "images")].find((d) => {
  try {
    return readdirSync(d).length > 0;
  } catch {
    return false;
  }
});
if (!imagesDir) throw new Error(`no images/ under ${medpix}`);
const pngs = readdirSync(imagesDir)
  .filter((f) => f.endsWith(".png"))
  .sort()
  .map((f) => readFileSync(path.join(imagesDir, f)));

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
/** The PNG with a tEXt chunk before IEND: new bytes, the same pixels. */
function distinctPng(png, n) {
  const body = Buffer.concat([Buffer.from("tEXt"), Buffer.from(`medcap-cpu\0${n}`, "latin1")]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  const iend = png.length - 12;
  return Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]);
}

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

let sent = 0;
async function load(secs) {
  let ok = 0;
  let errors = 0;
  const latencies = [];
  const end = performance.now() + secs * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const n = sent++;
        const body = JSON.stringify({
          query: "query($b: String!) { captionImage(image: { base64: $b }, k: 5) { text score captions { id } } }",
          variables: { b: distinctPng(pngs[n % pngs.length], n).toString("base64") },
        });
        const s = performance.now();
        try {
          const res = await fetch(url, {
            method: "POST",
            headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", "apollo-require-preflight": "true" },
            body,
          });
          const out = await res.json();
          if (!res.ok || out.errors?.length) throw new Error(out.errors?.[0]?.message ?? `HTTP ${res.status}`);
          ok++;
          latencies.push(performance.now() - s);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { ok, errors, latencies };
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
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]?.toFixed(0);
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
