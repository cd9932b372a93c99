// Fault injection over real HTTP: the real server, embedded Postgres and the committed ONNX model,
// attacked the way issue #18's probe did (deflate bombs, killed uploads, concurrent edits, aliased
// floods, hostile strings). Figures are printed with a `[faults]` prefix for the closing notes.
import { readdir, readFile, stat } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { seedCase } from "@medcap/db/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiKeyService } from "../auth/api-key.service.js";
import type { AppContext } from "../core/app.context.js";
import { maxInflatedDicomBytes } from "../encoders/dicom.inflate.js";
import { writeDeflateBomb, writeSyntheticDicom } from "../../test/dicom.fixture.js";
import { openRetrieval, type Retrieval } from "../app/retrieval.composition.js";
import { createServer, type MedcapServer } from "../app/server.composition.js";
import { openTestAppContext } from "../../test/server.testing.js";

const MAX_PIXELS = 1_000_000;
const MAX_UPLOAD = 4 * 1024 * 1024;
const MAX_ENCODES = 8;
const METRICS_TOKEN = "metrics-token-0123456789";

interface GqlError {
  message: string;
  extensions?: { code?: string; reason?: string; retryAfterSeconds?: number };
}
interface GqlResult {
  // biome-ignore lint/suspicious/noExplicitAny: each query selects its own shape; the assertions check it
  data?: Record<string, any> | null;
  errors?: GqlError[];
  status: number;
  headers: Headers;
}

let ctx: AppContext;
let retrieval: Retrieval;
let server: MedcapServer;
let url: string;
let origin: string;
let captionId: string;
const secrets: Record<string, string> = {};

async function gql(key: string, query: string, variables?: Record<string, unknown>, signal?: AbortSignal): Promise<GqlResult> {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${secrets[key]}`, "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  const body = (await res.json()) as GqlResult;
  return { ...body, status: res.status, headers: res.headers };
}

const codes = (r: GqlResult) => (r.errors ?? []).map((e) => e.extensions?.code);

function multipart(query: string, bytes: Uint8Array, boundary: string): { head: Buffer; file: Buffer; tail: Buffer } {
  const operations = JSON.stringify({ query, variables: { f: null } });
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="scan.dcm"\r\nContent-Type: application/dicom\r\n\r\n`,
  );
  return { head, file: Buffer.from(bytes), tail: Buffer.from(`\r\n--${boundary}--\r\n`) };
}

async function upload(key: string, query: string, bytes: Uint8Array): Promise<GqlResult> {
  const boundary = "medcapfaults";
  const { head, file, tail } = multipart(query, bytes, boundary);
  const res = await fetch(url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${secrets[key]}`,
      "apollo-require-preflight": "true",
      "content-type": `multipart/form-data; boundary=${boundary}`,
    },
    body: Buffer.concat([head, file, tail]),
  });
  return { ...((await res.json()) as GqlResult), status: res.status, headers: res.headers };
}

/** Every regular file under `dir` changed since `since` whose bytes contain `marker` (directories followed, links not). */
async function filesContaining(dir: string, marker: Buffer, since: number, depth = 0): Promise<string[]> {
  const found: string[] = [];
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth < 3) found.push(...(await filesContaining(p, marker, since, depth + 1)));
    if (!e.isFile()) continue;
    try {
      const s = await stat(p);
      if (s.mtimeMs < since - 1000 || s.size > 64 * 1024 * 1024) continue;
      if ((await readFile(p)).includes(marker)) found.push(p);
    } catch {
      // vanished or unreadable: another process's file
    }
  }
  return found;
}

beforeAll(async () => {
  ctx = await openTestAppContext({
    MEDCAP_MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
    MEDCAP_MAX_PIXELS: String(MAX_PIXELS),
    MEDCAP_RATE_LIMIT_PER_MIN: "0",
    MEDCAP_MAX_ENCODES_PER_REQUEST: String(MAX_ENCODES),
    MEDCAP_METRICS_TOKEN: METRICS_TOKEN,
    // One intra-op thread: on a 2-core runner ORT's default (a thread per core) leaves the event loop
    // and Postgres no core while a flood keeps the encoder busy, which would measure CPU starvation
    // rather than how fairly the encoder queue is shared.
    MEDCAP_ONNX_THREADS: "1",
  });
  const prisma = ctx.db.prisma;
  const titles = ["Glioblastoma", "Pneumothorax", "Renal cell carcinoma", "100% stenosis of the ICA", "Meningioma"];
  for (const [i, title] of titles.entries()) {
    const c = await seedCase(prisma, { externalId: `F${i}`, title, images: [{ externalId: `F${i}_a`, caption: `${title} image` }] });
    if (i === 0) captionId = (await prisma.caption.findFirstOrThrow({ where: { image: { caseId: c.id } } })).id;
  }
  const keys = new ApiKeyService(prisma);
  for (const [name, role] of [
    ["viewer", "VIEWER"],
    ["flood", "VIEWER"],
    ["victim0", "VIEWER"],
    ["victim1", "VIEWER"],
    ["victim2", "VIEWER"],
    ["victim3", "VIEWER"],
    ["curatorA", "CURATOR"],
    ["curatorB", "CURATOR"],
  ] as const) {
    secrets[name] = (await keys.create({ label: name, role }, "test")).secret;
  }
  retrieval = await openRetrieval(ctx);
  server = await createServer({
    ctx,
    retrieval: retrieval.search,
    worker: false,
    onClose: () => retrieval.close(),
    // Only the start-up count of the job gauge: its 15 s background refresh could otherwise land inside
    // the metrics test's scrapes, which must cause no query of their own.
    jobGaugeRefreshMs: 3_600_000,
  });
  url = (await server.listen(0, "127.0.0.1")).url;
  origin = url.replace(/\/graphql$/, "");
});

afterAll(async () => {
  await server?.close();
});

describe("deflate bomb", () => {
  it("is refused with BAD_USER_INPUT; inflation stops at the pixel cap instead of allocating the whole dataset", async () => {
    const inflatedBytes = 256 * 1024 * 1024;
    const bomb = await writeDeflateBomb({ rows: 512, columns: 512, inflatedBytes });
    const cap = maxInflatedDicomBytes(MAX_PIXELS);
    expect(bomb.length).toBeLessThan(MAX_UPLOAD);
    globalThis.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 2);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    let healthOk = 0;
    let healthFailed = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
        if (res?.ok) healthOk++;
        else healthFailed++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const started = performance.now();
    const r = await upload("viewer", "query($f: Upload!) { captionImage(image: {upload: $f}) { text } }", bomb);
    const ms = performance.now() - started;
    polling = false;
    await poller;
    clearInterval(sampler);
    loop.disable();
    const growth = peak - baseline;
    console.log(
      `[faults] deflate bomb ${(bomb.length / 1024).toFixed(0)} KiB → ${inflatedBytes / 2 ** 20} MiB: ${r.errors?.[0]?.extensions?.code} in ${ms.toFixed(0)} ms, ` +
        `RSS +${(growth / 2 ** 20).toFixed(1)} MiB (cap ${(cap / 2 ** 20).toFixed(1)} MiB), max event-loop delay ${(loop.max / 1e6).toFixed(1)} ms, ` +
        `/healthz ${healthOk} ok / ${healthFailed} failed`,
    );
    expect(codes(r)).toEqual(["BAD_USER_INPUT"]);
    expect(r.errors?.[0]?.message).toMatch(/inflates to more than/);
    // Without a cap the dataset inflates (and is copied) whole: ≥ 2 × 256 MiB.
    expect(growth).toBeLessThan(16 * cap);
  });
});

describe("PHI on disk", () => {
  it("never writes upload bytes to disk: a DICOM's PatientName is nowhere under tmp or the data folder mid-upload", async () => {
    const marker = `PHI${Date.now().toString(36)}^MARKER`;
    const dicom = writeSyntheticDicom({ rows: 64, columns: 64, pixel: (_f, r, c) => r * c, patientName: marker, patientId: "MRN-4411" });
    const boundary = "medcapphi";
    const { head, file } = multipart("query($f: Upload!) { captionImage(image: {upload: $f}) { text } }", dicom, boundary);
    const since = Date.now();
    const { port } = new URL(url);
    const req = http.request({
      host: "127.0.0.1",
      port,
      path: "/graphql",
      method: "POST",
      headers: {
        authorization: `Bearer ${secrets.viewer}`,
        "apollo-require-preflight": "true",
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": String(head.length + file.length + 10_000),
      },
    });
    req.on("error", () => {});
    // The file part carrying the identifying header is sent; the rest never comes (a client or
    // server killed mid-upload): whatever was buffered by then is what a crash would leave behind.
    req.write(head);
    req.write(file);
    await new Promise((r) => setTimeout(r, 500));
    const leaked = [
      ...(await filesContaining(os.tmpdir(), Buffer.from(marker), since)),
      ...(await filesContaining(ctx.config.dataDir, Buffer.from(marker), since)),
    ];
    req.destroy();
    expect(leaked).toEqual([]);
  });
});

describe("concurrent caption edits", () => {
  it("50 concurrent updateCaption by two curators: no internal error, revisions 1..51, an audit row per revision", async () => {
    const mutation = "mutation($id: ID!, $text: String!) { updateCaption(id: $id, text: $text) { revision } }";
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => gql(i % 2 ? "curatorA" : "curatorB", mutation, { id: captionId, text: `edit number ${i}` })),
    );
    const errorCodes = results.flatMap(codes);
    console.log(`[faults] 50 concurrent updateCaption: ${errorCodes.length} errors ${JSON.stringify(errorCodes.slice(0, 3))}`);
    expect(errorCodes).toEqual([]);
    const prisma = ctx.db.prisma;
    const caption = await prisma.caption.findUniqueOrThrow({ where: { id: captionId }, include: { revisions: true } });
    expect(caption.revision).toBe(51);
    expect(caption.revisions.map((r) => r.revision).sort((a, b) => a - b)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    const audit = await prisma.auditLog.findMany({ where: { targetId: captionId, action: "caption.update" }, orderBy: { at: "asc" } });
    expect(audit).toHaveLength(50);
    const pairs = audit.map((a) => [(a.before as { revision: number }).revision, (a.after as { revision: number }).revision]);
    expect(pairs.map(([b]) => b).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    for (const [before, after] of pairs) expect(after).toBe(before! + 1);
    // The final text is the text of the last revision.
    const last = caption.revisions.find((r) => r.revision === 51)!;
    expect(caption.text).toBe(last.text);
  });

  it("expectedRevision: a stale revision is refused with CONFLICT and writes nothing", async () => {
    const mutation =
      "mutation($id: ID!, $text: String!, $rev: Int) { updateCaption(id: $id, text: $text, expectedRevision: $rev) { revision } }";
    const current = (await ctx.db.prisma.caption.findUniqueOrThrow({ where: { id: captionId } })).revision;
    const ok = await gql("curatorA", mutation, { id: captionId, text: "optimistic edit", rev: current });
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.updateCaption.revision).toBe(current + 1);
    const stale = await gql("curatorB", mutation, { id: captionId, text: "lost update", rev: current });
    expect(codes(stale)).toEqual(["CONFLICT"]);
    expect(stale.errors?.[0]?.message).toMatch(new RegExp(`revision ${current + 1}`));
    expect((await ctx.db.prisma.caption.findUniqueOrThrow({ where: { id: captionId } })).text).toBe("optimistic edit");
  });
});

describe("input hygiene", () => {
  it("refuses a NUL character in createCase.title and updateCaption.text with BAD_USER_INPUT", async () => {
    const create = await gql(
      "curatorA",
      'mutation($t: String) { createCase(input: {dataset: "x", externalId: "nul1", split: TRAIN, title: $t}) { id } }',
      {
        t: "bad\u0000title",
      },
    );
    expect(codes(create)).toEqual(["BAD_USER_INPUT"]);
    const inline = await gql("curatorA", 'mutation { updateCaption(id: "' + captionId + '", text: "a\\u0000b") { id } }');
    expect(codes(inline)).toEqual(["BAD_USER_INPUT"]);
    expect(await ctx.db.prisma.case.count({ where: { externalId: "nul1" } })).toBe(0);
  });

  it("treats % and _ in cases(filter.text) as plain characters", async () => {
    const titles = async (text: string) => {
      const r = await gql("viewer", "query($t: String) { cases(filter: {text: $t}, first: 50) { edges { node { title } } } }", { t: text });
      expect(r.errors).toBeUndefined();
      return r.data?.cases.edges.map((e: { node: { title: string } }) => e.node.title);
    };
    expect(await titles("%")).toEqual(["100% stenosis of the ICA"]);
    expect(await titles("_")).toEqual([]);
    expect(await titles("glio%")).toEqual([]);
  });
});

describe("encoder cost and fairness", () => {
  const aliased = (n: number) =>
    `query($t: String!) { ${Array.from({ length: n }, (_, i) => `a${i}: searchImages(text: $t, k: 1) { score }`).join(" ")} }`;

  const aliasedDistinct = (count: number, i: number) =>
    `{ ${Array.from({ length: count }, (_, j) => `a${j}: searchImages(text: "flood ${i} alias ${j}", k: 1) { score }`).join(" ")} }`;

  it("counts encodes in the cost model: more aliased searches than the per-request cap are refused before any encode", async () => {
    const ok = await gql("viewer", aliased(MAX_ENCODES), { t: "axial CT of the liver" });
    expect(ok.errors).toBeUndefined();
    const refused = await gql("viewer", aliased(250), { t: "axial CT of the liver" });
    expect(codes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(refused.errors?.[0]?.message).toMatch(/250 encodes/);
  });

  it("an aliased flood from one key leaves other keys' throughput within 2× of their solo value", async () => {
    // Four ordinary clients, each with its own key, one request at a time (the "normal clients").
    // Every text is new, for victims and flood alike: the embedding cache would otherwise answer them
    // without the encoder queue whose fairness this measures.
    let n = 0;
    const victimRun = async (ms: number) => {
      const until = performance.now() + ms;
      let ok = 0;
      await Promise.all(
        Array.from({ length: 4 }, async (_, c) => {
          while (performance.now() < until) {
            const r = await gql(`victim${c}`, "query($t: String!) { searchImages(text: $t, k: 1) { score } }", {
              t: `chest radiograph ${n++}`,
            });
            if (!r.errors) ok++;
          }
        }),
      );
      return ok / (ms / 1000);
    };
    await victimRun(500); // warm-up
    // Solo before and after the flood, so drift in a shared runner's speed cancels out.
    const soloBefore = await victimRun(3000);
    let flooding = true;
    let floodOk = 0;
    let floodRefused = 0;
    // Three clients keep 24 encodes queued, more than the encoder runs per batch: it stays saturated.
    const flood = Promise.all(
      Array.from({ length: 3 }, async () => {
        while (flooding) {
          const r = await gql("flood", aliasedDistinct(MAX_ENCODES, n++));
          if (r.errors) floodRefused++;
          else floodOk++;
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const shared = await victimRun(4000);
    flooding = false;
    await flood;
    const soloAfter = await victimRun(3000);
    const solo = (soloBefore + soloAfter) / 2;
    console.log(
      `[faults] victim ok req/s solo ${solo.toFixed(1)}, under an aliased flood ${shared.toFixed(1)} ` +
        `(flood: ${floodOk} ok, ${floodRefused} refused requests of ${MAX_ENCODES} encodes)`,
    );
    expect(shared).toBeGreaterThan(solo / 2);
  });
});

describe("load shedding", () => {
  it("a burst beyond the encoder queue is refused early with OVERLOADED and Retry-After, and refused requests leave nothing queued", async () => {
    // Every alias a text of its own: the embedding cache must not answer (or merge) any of them.
    const query = (i: number) =>
      `{ ${Array.from({ length: MAX_ENCODES }, (_, j) => `a${j}: searchImages(text: "burst ${i} alias ${j}", k: 1) { score }`).join(" ")} }`;
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const t0 = performance.now();
        const r = await gql("flood", query(i));
        return { r, ms: performance.now() - t0 };
      }),
    );
    const refused = results.filter(({ r }) => codes(r).includes("OVERLOADED"));
    const accepted = results.filter(({ r }) => !r.errors);
    const p99 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.max(0, Math.ceil(xs.length * 0.99) - 1)] ?? 0;
    console.log(
      `[faults] burst of 64 × ${MAX_ENCODES} encodes: ${accepted.length} answered (p99 ${p99(accepted.map((x) => x.ms)).toFixed(0)} ms), ` +
        `${refused.length} refused OVERLOADED (p99 ${p99(refused.map((x) => x.ms)).toFixed(0)} ms), total ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(refused.length).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThan(0);
    for (const { r } of refused) {
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(r.errors?.find((e) => e.extensions?.code === "OVERLOADED")?.extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    // Every refused request's other encodes were dropped from the queue, not run for nobody.
    expect(retrieval.encoder.queueDepth.text).toBe(0);
  });
});

describe("exposure", () => {
  it("sets security headers, answers unknown routes with JSON 404 and suggests no field names", async () => {
    const health = await fetch(`${origin}/healthz`);
    expect(health.headers.get("x-content-type-options")).toBe("nosniff");
    expect(health.headers.get("x-frame-options")).toBe("DENY");
    const missing = await fetch(`${origin}/no-such-route`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/application\/json/);
    expect(await missing.json()).toMatchObject({ errors: [{ extensions: { code: "NOT_FOUND" } }] });
    const typo = await gql("viewer", "{ casez { totalCount } }");
    expect(codes(typo)).toEqual(["BAD_USER_INPUT"]);
    expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });
});

describe("metrics", () => {
  it("needs the metrics token when one is configured, and a scrape does not query Postgres", async () => {
    expect((await fetch(`${origin}/metrics`)).status).toBe(401);
    expect((await fetch(`${origin}/metrics`, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
    const groupBy = vi.spyOn(ctx.db.prisma.job, "groupBy");
    try {
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('medcap_jobs{status="QUEUED"}');
      }
      expect(groupBy).not.toHaveBeenCalled();
    } finally {
      groupBy.mockRestore();
    }
  });
});
