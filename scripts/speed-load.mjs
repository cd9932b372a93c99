#!/usr/bin/env node
// Load rounds against two running MedCap APIs, alternated so that whatever else runs on the machine
// hits both alike (scripts/speed-compare.sh starts the servers; this only sends requests).
//
//   node scripts/speed-load.mjs --secret S --medpix DIR [--seconds 20] [--rounds 3] [--slice 5] [--concurrency 8] \
//     baseline=http://127.0.0.1:4101/graphql head=http://127.0.0.1:4102/graphql
//
// Each round runs, for each operation, every target for `seconds` in alternating slices of `slice`
// seconds: captionImage with a base64 PNG and searchImages, `concurrency` requests in flight.
// Inputs are distinct: every captionImage sends a different PNG file (MedPix images, each made unique
// by a counter in a tEXt chunk, so even a repeated image is new bytes), every searchImages a new text.
// Prints ok req/s, errors, p50/p99 per target and operation, and each figure's ratio to the first target.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const secret = opt("secret");
const medpix = opt("medpix");
const seconds = Number(opt("seconds", "20"));
const rounds = Number(opt("rounds", "3"));
const concurrency = Number(opt("concurrency", "8"));
const warmupSeconds = Number(opt("warmup", "4"));
const slice = Number(opt("slice", "5"));
const targets = args.filter((a) => /^[\w-]+=https?:/.test(a)).map((a) => ({ name: a.split("=")[0], url: a.slice(a.indexOf("=") + 1) }));
if (!secret || !medpix || targets.length < 1) {
  console.error("usage: speed-load.mjs --secret S --medpix DIR [--seconds N] [--rounds R] [--concurrency C] name=URL…");
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
const files = readdirSync(imagesDir)
  .filter((f) => f.endsWith(".png"))
  .sort();
const pngs = files.map((f) => readFileSync(path.join(imagesDir, f)));

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
/** The PNG with a tEXt chunk "medcap-load <n>" before IEND: new bytes, the same pixels. */
function distinctPng(png, n) {
  const body = Buffer.concat([Buffer.from("tEXt"), Buffer.from(`medcap-load\0${n}`, "latin1")]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  const iend = png.length - 12;
  return Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]);
}

const phrases = [
  "axial CT of the liver",
  "MRI brain with a ring-enhancing lesion",
  "pulmonary embolism",
  "fracture of the femur",
  "sagittal T2 lumbar spine",
  "coronal CT of the abdomen with contrast",
  "renal mass on ultrasound",
  "subdural hematoma",
];

let sent = 0;
const operations = {
  captionImage: () => {
    const n = sent++;
    const b64 = distinctPng(pngs[n % pngs.length], n).toString("base64");
    return JSON.stringify({
      query: "query($b: String!) { captionImage(image: { base64: $b }, k: 5) { text score captions { id } } }",
      variables: { b: b64 },
    });
  },
  searchImages: () => {
    const n = sent++;
    return JSON.stringify({
      query: "query($t: String!) { searchImages(text: $t, k: 10) { score image { id } } }",
      variables: { t: `${phrases[n % phrases.length]} ${n}` },
    });
  },
};

async function one(url, body) {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", "apollo-require-preflight": "true" },
    body,
  });
  const out = await res.json();
  if (!res.ok || out.errors?.length) throw new Error(out.errors?.[0]?.message ?? `HTTP ${res.status}`);
}

/** `concurrency` loops sending `op` to `url` until `secs` have passed; latencies of the ok requests. */
async function round(url, op, secs) {
  const latencies = [];
  const errors = new Map();
  const end = performance.now() + secs * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const body = operations[op]();
        const s = performance.now();
        try {
          await one(url, body);
          latencies.push(performance.now() - s);
        } catch (err) {
          const m = String(err.message).slice(0, 120);
          errors.set(m, (errors.get(m) ?? 0) + 1);
        }
      }
    }),
  );
  return { latencies, errors, seconds: (performance.now() - t0) / 1000 };
}

const pct = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
const totals = {};
for (const t of targets)
  for (const op of Object.keys(operations)) totals[`${t.name} ${op}`] = { latencies: [], errors: new Map(), seconds: 0 };

console.error(`warm-up: ${warmupSeconds} s per target and operation`);
for (const t of targets) for (const op of Object.keys(operations)) await round(t.url, op, warmupSeconds);
// A round gives each target `seconds` per operation, in slices of `slice` seconds that alternate
// between the targets (the first target flips every slice), so load from other processes that
// comes and goes within a round still falls on both alike.
for (let r = 0; r < rounds; r++) {
  for (const op of Object.keys(operations)) {
    const slices = Math.max(1, Math.round(seconds / slice));
    const perRound = Object.fromEntries(targets.map((t) => [t.name, { ok: 0, errors: 0, seconds: 0 }]));
    for (let k = 0; k < slices; k++) {
      const order = (r * slices + k) % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        const res = await round(t.url, op, seconds / slices);
        const acc = totals[`${t.name} ${op}`];
        acc.latencies.push(...res.latencies);
        acc.seconds += res.seconds;
        for (const [m, n] of res.errors) acc.errors.set(m, (acc.errors.get(m) ?? 0) + n);
        const mine = perRound[t.name];
        mine.ok += res.latencies.length;
        mine.seconds += res.seconds;
        mine.errors += [...res.errors.values()].reduce((a, b) => a + b, 0);
      }
    }
    for (const t of targets) {
      const mine = perRound[t.name];
      console.error(
        `round ${r + 1}/${rounds} ${op.padEnd(12)} ${t.name.padEnd(10)} ${(mine.ok / mine.seconds).toFixed(1)} ok req/s, ${mine.errors} errors`,
      );
    }
  }
}

const rows = [];
for (const op of Object.keys(operations)) {
  const first = totals[`${targets[0].name} ${op}`];
  const firstRate = first.latencies.length / first.seconds;
  const firstSorted = [...first.latencies].sort((a, b) => a - b);
  for (const t of targets) {
    const acc = totals[`${t.name} ${op}`];
    const sorted = [...acc.latencies].sort((a, b) => a - b);
    const rate = acc.latencies.length / acc.seconds;
    const errors = [...acc.errors.values()].reduce((a, b) => a + b, 0);
    rows.push({
      operation: op,
      target: t.name,
      okPerSecond: Math.round(rate * 10) / 10,
      errors,
      p50Ms: Math.round(pct(sorted, 0.5)),
      p99Ms: Math.round(pct(sorted, 0.99)),
      okPerSecondRatio: Math.round((rate / firstRate) * 100) / 100,
      p50Ratio: Math.round((pct(sorted, 0.5) / pct(firstSorted, 0.5)) * 100) / 100,
      p99Ratio: Math.round((pct(sorted, 0.99) / pct(firstSorted, 0.99)) * 100) / 100,
      ...(errors ? { errorSamples: [...acc.errors.keys()].slice(0, 3) } : {}),
    });
  }
}
console.log(`| operation | server | ok req/s | errors | p50 ms | p99 ms | ok req/s ÷ ${targets[0].name} | p99 ÷ ${targets[0].name} |`);
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  console.log(
    `| ${r.operation} | ${r.target} | ${r.okPerSecond} | ${r.errors} | ${r.p50Ms} | ${r.p99Ms} | ${r.okPerSecondRatio} | ${r.p99Ratio} |`,
  );
}
console.log(
  `\n${rounds} rounds × ${seconds} s per server and operation, alternating every ${slice} s, concurrency ${concurrency}, distinct inputs (captionImage: base64 PNG)`,
);
for (const r of rows) if (r.errorSamples) console.log(`errors (${r.target} ${r.operation}): ${r.errorSamples.join(" | ")}`);
