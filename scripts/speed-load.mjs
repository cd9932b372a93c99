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
import { drive, medpixPngs, operations as makeOperations, option, percentile as pct } from "./lib/load.requests.mjs";

const args = process.argv.slice(2);
const opt = (name, fallback) => option(args, name, fallback);
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

const operations = makeOperations(medpixPngs(medpix), "medcap-load");

/** `concurrency` loops sending `op` to `url` until `secs` have passed; latencies of the ok requests. */
const round = (url, op, secs) => drive({ url, secret, nextBody: operations[op], concurrency, seconds: secs });

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
