// What scripts/speed-load.mjs and scripts/speed-cpu.mjs send: the command-line options, MedPix PNGs made
// distinct per request, the two GraphQL operations, and the loop that keeps `concurrency` requests in
// flight for a number of seconds.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** `--name value` from argv, else `fallback`. */
export function option(args, name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

/** Every PNG of a MedPix folder (`MedPix-2-0/images` or `images`), in file-name order. */
export function medpixPngs(medpix) {
  const dir = [path.join(medpix, "MedPix-2-0", "images"), path.join(medpix, "images")].find((d) => {
    try {
      return readdirSync(d).length > 0;
    } catch {
      return false;
    }
  });
  if (!dir) throw new Error(`no images/ under ${medpix}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".png"))
    .sort()
    .map((f) => readFileSync(path.join(dir, f)));
}

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

/** The PNG with a tEXt chunk "`tag` <n>" before IEND: new bytes, the same pixels. */
export function distinctPng(png, n, tag) {
  const body = Buffer.concat([Buffer.from("tEXt"), Buffer.from(`${tag}\0${n}`, "latin1")]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  const iend = png.length - 12;
  return Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]);
}

const PHRASES = [
  "axial CT of the liver",
  "MRI brain with a ring-enhancing lesion",
  "pulmonary embolism",
  "fracture of the femur",
  "sagittal T2 lumbar spine",
  "coronal CT of the abdomen with contrast",
  "renal mass on ultrasound",
  "subdural hematoma",
];

/** Request bodies by operation; every call a new input (the n-th PNG made distinct, or the n-th phrase with n appended). */
export function operations(pngs, tag) {
  let sent = 0;
  return {
    captionImage: () => {
      const n = sent++;
      return JSON.stringify({
        query: "query($b: String!) { captionImage(image: { base64: $b }, k: 5) { text score captions { id } } }",
        variables: { b: distinctPng(pngs[n % pngs.length], n, tag).toString("base64") },
      });
    },
    searchImages: () => {
      const n = sent++;
      return JSON.stringify({
        query: "query($t: String!) { searchImages(text: $t, k: 10) { score image { id } } }",
        variables: { t: `${PHRASES[n % PHRASES.length]} ${n}` },
      });
    },
  };
}

async function post(url, secret, body) {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", "apollo-require-preflight": "true" },
    body,
  });
  const out = await res.json();
  if (!res.ok || out.errors?.length) throw new Error(out.errors?.[0]?.message ?? `HTTP ${res.status}`);
}

/**
 * `concurrency` loops sending `nextBody()` to `url` until `seconds` have passed: the latencies of the ok
 * requests, the errors by message (first 120 characters), and the seconds it took.
 */
export async function drive({ url, secret, nextBody, concurrency, seconds }) {
  const latencies = [];
  const errors = new Map();
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const body = nextBody();
        const s = performance.now();
        try {
          await post(url, secret, body);
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

/** The q-quantile of ascending `sorted` (nearest rank); NaN when empty. */
export const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
