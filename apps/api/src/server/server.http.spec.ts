// The real server over real HTTP against embedded Postgres, with a recording fake retrieval port.
import type { ApiKeyModel, Role } from "@medcap/db";
import { seedCase } from "@medcap/db/testing";
import { ClientError, GraphQLClient } from "graphql-request";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyService } from "../auth/api-key.service.js";
import { roleBelow } from "../auth/role.policy.js";
import type { AppContext } from "../core/app.context.js";
import { MUTATION_ACCESS } from "../graphql/operation.roles.js";
import { sha256Hex } from "../ingest/image.store.js";
import { JobHandlerRegistry } from "../jobs/job.handlers.js";
import { EmbeddingRepository } from "../search/embedding.repository.js";
import { activateModelVersion } from "../search/model.registry.js";
import { createServer, type MedcapServer } from "./server.factory.js";
import { FakeRetrieval, openTestAppContext } from "../../test/server.testing.js";

const MAX_UPLOAD = 64 * 1024;
const MAX_PIXELS = 1_000_000;

// biome-ignore lint/suspicious/noExplicitAny: response data is whatever each query selects; the assertions check its shape
type AnyData = Record<string, any>;

interface GqlResult<T = AnyData> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; reason?: string; requestId?: string } }[];
  status: number;
}

let ctx: AppContext;
let server: MedcapServer;
let origin: string;
let url: string;
let fake: FakeRetrieval;
const secrets = {} as Record<Role, string>;
const keyRows = {} as Record<Role, ApiKeyModel>;
let modelVersionId: string;
const caseIds: string[] = [];
let png: Buffer;
const handlers = new JobHandlerRegistry();

async function gql<T = AnyData>(role: Role | "none" | string, query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> {
  const secret = role === "none" ? undefined : ((secrets as Record<string, string>)[role] ?? role);
  const client = new GraphQLClient(url, { headers: secret ? { authorization: `Bearer ${secret}` } : {}, errorPolicy: "all" });
  try {
    const res = await client.rawRequest<T>(query, variables);
    return { data: res.data, errors: res.errors as GqlResult["errors"], status: res.status };
  } catch (err) {
    if (err instanceof ClientError) {
      return { data: err.response.data as T, errors: err.response.errors as GqlResult["errors"], status: err.response.status };
    }
    throw err;
  }
}

/** A GraphQL multipart request (spec: operations + map + files) with plain fetch. */
async function upload(
  role: Role,
  query: string,
  variables: Record<string, unknown>,
  filePath: string,
  bytes: Uint8Array,
  preflight = true,
) {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query, variables }));
  form.append("map", JSON.stringify({ "0": [filePath] }));
  form.append("0", new Blob([bytes], { type: "image/png" }), "image.png");
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${secrets[role]}`, ...(preflight ? { "apollo-require-preflight": "true" } : {}) },
    body: form,
  });
  const text = await res.text();
  let body: GqlResult;
  try {
    body = JSON.parse(text) as GqlResult;
  } catch {
    body = { errors: [{ message: text }] } as GqlResult;
  }
  return { ...body, status: res.status };
}

const codeOf = (r: GqlResult) => r.errors?.[0]?.extensions?.code;

async function pngOf(width: number, height: number, value = 128): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: value, g: value, b: value } } })
    .grayscale()
    .png()
    .toBuffer();
}

beforeAll(async () => {
  ctx = await openTestAppContext({
    MEDCAP_MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
    MEDCAP_MAX_PIXELS: String(MAX_PIXELS),
    MEDCAP_MAX_K: "50",
    MEDCAP_RATE_LIMIT_PER_MIN: "0",
  });
  const prisma = ctx.db.prisma;
  png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 40, g: 90, b: 160 } } })
    .png()
    .toBuffer();
  const stored = await ctx.images.put(png, "png");
  const specs = [
    {
      dataset: "medpix",
      externalId: "MPX1",
      split: "TRAIN" as const,
      title: "Glioblastoma of the left frontal lobe",
      caseDiagnosis: "Glioblastoma",
      modality: "MR" as const,
      plane: "Axial",
      loc: "Brain and Neuro",
    },
    {
      dataset: "medpix",
      externalId: "MPX2",
      split: "TRAIN" as const,
      title: "Pneumothorax",
      caseDiagnosis: "Tension pneumothorax",
      modality: "CT" as const,
      plane: "Axial",
      loc: "Chest",
    },
    {
      dataset: "medpix",
      externalId: "MPX3",
      split: "DEV" as const,
      title: "Renal cell carcinoma",
      caseDiagnosis: "RCC",
      modality: "CT" as const,
      plane: "Coronal",
      loc: "Abdomen",
    },
    {
      dataset: "roco",
      externalId: "R1",
      split: "TRAIN" as const,
      title: "Appendicitis",
      caseDiagnosis: "Acute appendicitis",
      modality: "US" as const,
      plane: "Sagittal",
      loc: "Abdomen",
    },
    {
      dataset: "roco",
      externalId: "R2",
      split: "TEST" as const,
      title: "Meningioma",
      caseDiagnosis: "Meningioma",
      modality: "MR" as const,
      plane: "Sagittal",
      loc: "Brain and Neuro",
    },
  ];
  for (const s of specs) {
    const c = await seedCase(prisma, {
      dataset: s.dataset,
      externalId: s.externalId,
      split: s.split,
      title: s.title,
      caseDiagnosis: s.caseDiagnosis,
      images: [
        {
          externalId: `${s.externalId}_a`,
          caption: `${s.title} image a`,
          modality: s.modality,
          plane: s.plane,
          locationCategory: s.loc,
          sha256: stored.sha256,
          storedPath: stored.storedPath,
        },
        {
          externalId: `${s.externalId}_b`,
          caption: `${s.title} image b`,
          modality: s.modality,
          plane: s.plane,
          locationCategory: s.loc,
          sha256: stored.sha256,
          storedPath: stored.storedPath,
        },
      ],
    });
    caseIds.push(c.id);
  }
  const mv = await prisma.modelVersion.create({
    data: { name: "fake", version: "1", embeddingDim: 4, manifestSha256: "0".repeat(64), active: true },
  });
  await prisma.modelVersion.create({ data: { name: "fake", version: "2", embeddingDim: 4, manifestSha256: "1".repeat(64) } });
  modelVersionId = mv.id;
  await prisma.evaluationRun.create({
    data: {
      modelVersionId: mv.id,
      protocol: "caption-library",
      split: "DEV",
      params: { k: 1 },
      metrics: { cider: 0.1 },
      finishedAt: new Date(),
    },
  });
  const keys = new ApiKeyService(prisma);
  for (const role of ["VIEWER", "ANNOTATOR", "CURATOR", "ADMIN"] as const) {
    const created = await keys.create({ label: `test-${role.toLowerCase()}`, role }, "test");
    secrets[role] = created.secret;
    keyRows[role] = created.key;
  }
  fake = new FakeRetrieval(prisma);
  fake.modelVersionId = mv.id;
  handlers.register("REINDEX", async (job, progress) => {
    await progress(0.25, "encoding images");
    await progress(0.75, "encoding captions");
    return { indexed: 10, params: job.params };
  });
  handlers.register("EVALUATION", async () => {
    throw new Error("protocol exploded");
  });
  server = await createServer({ ctx, retrieval: fake, worker: { handlers, pollIntervalMs: 50, heartbeatIntervalMs: 100 } });
  const listening = await server.listen(0, "127.0.0.1");
  url = listening.url;
  origin = url.replace(/\/graphql$/, "");
});

afterAll(async () => {
  await server?.close();
  await ctx?.close();
});

describe("operations endpoints", () => {
  it("/healthz answers, /readyz checks the database, /metrics exposes Prometheus text", async () => {
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    const ready = await fetch(`${origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: { ok: true } } });
    await gql("VIEWER", "query Datasets { datasets { name } }");
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    expect(metrics).toContain('medcap_graphql_operation_duration_seconds_count{operation="query:datasets"}');
    expect(metrics).toContain("medcap_jobs{status=");
  });

  it("returns the request id on every response and keeps a sane incoming one", async () => {
    const res = await fetch(`${origin}/healthz`, { headers: { "x-request-id": "abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("abc-123");
    const fresh = await fetch(`${origin}/healthz`, { headers: { "x-request-id": "bad id with spaces" } });
    expect(fresh.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("health needs no key and reports the parts", async () => {
    const r = await gql("none", "{ health { status database retrieval uptimeSeconds } }");
    expect(r.errors).toBeUndefined();
    expect(r.data?.health).toMatchObject({ status: "ok", database: true, retrieval: true });
  });

  it("has introspection off by default", async () => {
    const r = await gql("ADMIN", "{ __schema { types { name } } }");
    expect(codeOf(r)).toBe("BAD_USER_INPUT");
  });
});

describe("authentication", () => {
  it("refuses a missing, unknown or malformed key with UNAUTHENTICATED", async () => {
    expect(codeOf(await gql("none", "{ me { id } }"))).toBe("UNAUTHENTICATED");
    expect(codeOf(await gql("mcp_not-a-real-key", "{ me { id } }"))).toBe("UNAUTHENTICATED");
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Basic abc" },
      body: JSON.stringify({ query: "{ datasets { id } }" }),
    });
    expect(((await res.json()) as GqlResult).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses uploads and large bodies from callers without a valid key", async () => {
    const form = new FormData();
    form.append(
      "operations",
      JSON.stringify({ query: "query($f: Upload!) { captionImage(image: { upload: $f }) { text } }", variables: { f: null } }),
    );
    form.append("map", JSON.stringify({ "0": ["variables.f"] }));
    form.append("0", new Blob([png]), "a.png");
    const anonymousUpload = await fetch(url, { method: "POST", headers: { "apollo-require-preflight": "true" }, body: form });
    expect(anonymousUpload.status).toBe(401);
    expect(((await anonymousUpload.json()) as GqlResult).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const big = JSON.stringify({ query: "{ health { status } }", variables: { pad: "x".repeat(100_000) } });
    const anonymousBig = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: big });
    expect(anonymousBig.status).toBe(413);
    expect(((await anonymousBig.json()) as GqlResult).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const keyedBig = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secrets.VIEWER}` },
      body: big,
    });
    expect(keyedBig.status).toBe(200);
  });

  it("me answers with the caller's key, never its hash", async () => {
    const r = await gql("CURATOR", "{ me { id label role prefix revoked } }");
    expect(r.data?.me).toMatchObject({ id: keyRows.CURATOR.id, role: "CURATOR", label: "test-curator", revoked: false });
    expect(secrets.CURATOR.startsWith(r.data?.me.prefix)).toBe(true);
  });
});

describe("catalogue queries", () => {
  it("datasets with case counts", async () => {
    const r = await gql("VIEWER", "{ datasets { id name source caseCount createdAt } }");
    expect(r.data?.datasets.map((d: { name: string; caseCount: number }) => [d.name, d.caseCount])).toEqual([
      ["medpix", 3],
      ["roco", 2],
    ]);
  });

  it("case with dataset, images, current caption and revisions", async () => {
    const r = await gql(
      "VIEWER",
      `query($id: ID!) { case(id: $id) { id externalId split title dataset { name } images { id externalId modality plane url thumbnailUrl(size: 64)
        caption { id text revision revisions { revision text author } } case { id } } } }`,
      { id: caseIds[0] },
    );
    expect(r.errors).toBeUndefined();
    const c = r.data?.case;
    expect(c).toMatchObject({ externalId: "MPX1", split: "TRAIN", dataset: { name: "medpix" } });
    expect(c.images).toHaveLength(2);
    expect(c.images[0]).toMatchObject({ externalId: "MPX1_a", modality: "MR", plane: "Axial", case: { id: caseIds[0] } });
    expect(c.images[0].url).toBe(`/images/${c.images[0].id}`);
    expect(c.images[0].thumbnailUrl).toBe(`/images/${c.images[0].id}?size=64`);
    expect(c.images[0].caption.revisions).toEqual([{ revision: 1, text: c.images[0].caption.text, author: "fixture" }]);
  });

  it("a missing case is null; image and caption by id", async () => {
    expect((await gql("VIEWER", '{ case(id: "nope") { id } }')).data?.case).toBeNull();
    const image = await ctx.db.prisma.image.findFirstOrThrow({ include: { captions: true } });
    const r = await gql(
      "VIEWER",
      "query($i: ID!, $c: ID!) { image(id: $i) { id width height format sha256 captions { id isCurrent } } caption(id: $c) { id text source image { id } revisions { revision } flags { id } } }",
      { i: image.id, c: image.captions[0]!.id },
    );
    expect(r.data?.image).toMatchObject({ id: image.id, width: 1, height: 1, captions: [{ id: image.captions[0]!.id, isCurrent: true }] });
    expect(r.data?.caption).toMatchObject({ image: { id: image.id }, source: "GROUND_TRUTH", revisions: [{ revision: 1 }], flags: [] });
  });

  it("serves image bytes to authenticated callers only, with thumbnails", async () => {
    const image = await ctx.db.prisma.image.findFirstOrThrow();
    expect((await fetch(`${origin}/images/${image.id}`)).status).toBe(401);
    const auth = { authorization: `Bearer ${secrets.VIEWER}` };
    const full = await fetch(`${origin}/images/${image.id}`, { headers: auth });
    expect(full.status).toBe(200);
    expect(full.headers.get("content-type")).toContain("image/png");
    expect(Buffer.from(await full.arrayBuffer()).equals(png)).toBe(true);
    const thumb = await fetch(`${origin}/images/${image.id}?size=16`, { headers: auth });
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([16, 12]);
    expect((await fetch(`${origin}/images/${image.id}?size=5000`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${origin}/images/nope`, { headers: auth })).status).toBe(404);
  });

  it("pages through cases with cursors and filters", async () => {
    const q =
      "query($f: CaseFilter, $first: Int, $after: String) { cases(filter: $f, first: $first, after: $after) { totalCount edges { cursor node { externalId } } pageInfo { hasNextPage endCursor } } }";
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const r: GqlResult = await gql("VIEWER", q, { first: 2, after });
      expect(r.data?.cases.totalCount).toBe(5);
      seen.push(...r.data!.cases.edges.map((e: { node: { externalId: string } }) => e.node.externalId));
      if (!r.data?.cases.pageInfo.hasNextPage) break;
      after = r.data?.cases.pageInfo.endCursor;
    }
    expect(seen.sort()).toEqual(["MPX1", "MPX2", "MPX3", "R1", "R2"]);
    const ids = async (f: Record<string, unknown>) =>
      ((await gql("VIEWER", q, { f, first: 10 })).data!.cases.edges as { node: { externalId: string } }[])
        .map((e) => e.node.externalId)
        .sort();
    expect(await ids({ datasets: ["roco"] })).toEqual(["R1", "R2"]);
    expect(await ids({ splits: ["DEV", "TEST"] })).toEqual(["MPX3", "R2"]);
    expect(await ids({ modalities: ["CT"] })).toEqual(["MPX2", "MPX3"]);
    expect(await ids({ planes: ["sagittal"] })).toEqual(["R1", "R2"]);
    expect(await ids({ locationCategories: ["Brain and Neuro"], datasets: ["medpix"] })).toEqual(["MPX1"]);
    expect(await ids({ text: "pneumo" })).toEqual(["MPX2"]);
    expect(await ids({ text: "appendicitis" })).toEqual(["R1"]);
  });

  it("model versions, evaluation runs, flags and jobs", async () => {
    const r = await gql(
      "VIEWER",
      '{ modelVersions { id version active evaluationRuns { protocol } } evaluationRuns(protocol: CAPTION_LIBRARY) { protocol split metrics params modelVersion { version } job { id } } flags { totalCount edges { node { id } } } job(id: "none") { id } }',
    );
    expect(r.errors).toBeUndefined();
    expect(r.data?.modelVersions.map((m: { version: string }) => m.version).sort()).toEqual(["1", "2"]);
    expect(r.data?.evaluationRuns).toEqual([
      { protocol: "caption-library", split: "DEV", metrics: { cider: 0.1 }, params: { k: 1 }, modelVersion: { version: "1" }, job: null },
    ]);
    expect(r.data?.flags.totalCount).toBe(0);
    expect(r.data?.job).toBeNull();
  });
});

describe("validation errors", () => {
  it("maps unknown fields, bad variables and bad arguments to BAD_USER_INPUT", async () => {
    const unknown = await gql("VIEWER", "{ datasets { nope } }");
    expect(unknown.status).toBe(400);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "GRAPHQL_VALIDATION_FAILED" });
    expect(codeOf(await gql("VIEWER", "query($n: Int) { cases(first: $n) { totalCount } }", { n: "ten" }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await gql("VIEWER", "{ cases(first: 1000) { totalCount } }"))).toBe("BAD_USER_INPUT");
    expect(codeOf(await gql("VIEWER", '{ cases(after: "garbage") { totalCount } }'))).toBe("BAD_USER_INPUT");
    expect(codeOf(await gql("VIEWER", "{ datasets { id "))).toBe("BAD_USER_INPUT");
  });

  it("refuses queries that are too deep or too complex", async () => {
    const nested = "images { case { ".repeat(5);
    const deep = await gql("VIEWER", `{ cases { edges { node { ${nested} id ${"} } ".repeat(5)} } } } }`);
    expect(codeOf(deep)).toBe("BAD_USER_INPUT");
    expect(deep.errors?.[0]?.message).toMatch(/depth/);
    const wide = await gql("VIEWER", "{ cases(first: 100) { edges { node { images { captions { revisions { id } flags { id } } } } } } }");
    expect(codeOf(wide)).toBe("BAD_USER_INPUT");
    expect(wide.errors?.[0]?.message).toMatch(/complexity/);
  });

  it("bounds k", async () => {
    expect(codeOf(await gql("VIEWER", '{ searchImages(text: "x", k: 0) { score } }'))).toBe("BAD_USER_INPUT");
    expect(codeOf(await gql("VIEWER", '{ searchImages(text: "x", k: 51) { score } }'))).toBe("BAD_USER_INPUT");
    expect(codeOf(await gql("VIEWER", '{ searchImages(text: "   ", k: 5) { score } }'))).toBe("BAD_USER_INPUT");
  });
});

describe("search", () => {
  const provenance = "provenance { image { id } case { id externalId } dataset { name } }";

  it("searchImages passes text, k and filter through and answers with score, model version and provenance", async () => {
    const before = fake.callsTo("searchImages").length;
    const r = await gql(
      "VIEWER",
      `query($f: SearchFilter) { searchImages(text: "glioma", k: 3, filter: $f) { score modelVersion { id name version } image { id modality } ${provenance} } }`,
      {
        f: { modalities: ["MR"], splits: ["TRAIN"] },
      },
    );
    expect(r.errors).toBeUndefined();
    expect(fake.callsTo("searchImages")[before]?.args).toEqual(["glioma", { k: 3, filter: { modalities: ["MR"], splits: ["TRAIN"] } }]);
    expect(r.data?.searchImages).toHaveLength(3);
    const m = r.data?.searchImages[0];
    expect(m.modelVersion).toEqual({ id: modelVersionId, name: "fake", version: "1" });
    expect(m.image.modality).toBe("MR");
    expect(m.provenance.image.id).toBe(m.image.id);
    expect(m.provenance.dataset.name).toMatch(/medpix|roco/);
  });

  it("captionImage accepts base64, an image id, and a multipart upload", async () => {
    const q = `query($img: ImageInput!) { captionImage(image: $img, k: 2) { text score modelVersion { id } captions { id text } ${provenance} } }`;
    const b64 = await gql("VIEWER", q, { img: { base64: png.toString("base64") } });
    expect(b64.errors).toBeUndefined();
    expect(b64.data?.captionImage).toHaveLength(2);
    expect(b64.data?.captionImage[0].captions[0].text).toBe(b64.data?.captionImage[0].text);
    const lastCall = fake.callsTo("captionImage").at(-1)!;
    expect(Buffer.from((lastCall.args[0] as { bytes: Uint8Array }).bytes).equals(png)).toBe(true);

    const image = await ctx.db.prisma.image.findFirstOrThrow();
    const byId = await gql("VIEWER", q, { img: { imageId: image.id } });
    expect(byId.errors).toBeUndefined();
    expect(fake.callsTo("captionImage").at(-1)!.args[0]).toEqual({ imageId: image.id });

    const up = await upload("VIEWER", q, { img: { upload: null } }, "variables.img.upload", png);
    expect(up.errors).toBeUndefined();
    expect(up.data?.captionImage).toHaveLength(2);
    expect(Buffer.from((fake.callsTo("captionImage").at(-1)!.args[0] as { bytes: Uint8Array }).bytes).equals(png)).toBe(true);
  });

  it("captionImage forwards the strategy and its knobs, and explains each caption by its supporting images", async () => {
    const image = await ctx.db.prisma.image.findFirstOrThrow();
    const q = `query($img: ImageInput!) {
      captionImage(image: $img, k: 2, strategy: FUSED, neighbours: 15, temperature: 0.1, weight: 0.4, consensus: "off") {
        text score similarity vote strategy
        supportingImages { similarity weight image { id } provenance { case { id } } }
        ${provenance}
      }
    }`;
    const r = await gql("VIEWER", q, { img: { imageId: image.id } });
    expect(r.errors).toBeUndefined();
    expect(fake.callsTo("captionImage").at(-1)!.args[1]).toMatchObject({
      k: 2,
      strategy: "fused",
      neighbours: 15,
      temperature: 0.1,
      weight: 0.4,
      consensus: null,
    });
    const first = r.data?.captionImage[0];
    expect(first.strategy).toBe("FUSED");
    expect(first.supportingImages).toHaveLength(1);
    expect(first.supportingImages[0].image.id).toBe(first.provenance[0].image.id);
    expect(first.supportingImages[0].provenance.case.id).toBe(first.provenance[0].case.id);
    expect(first.vote).toBeGreaterThan(0);

    // Without a strategy the call carries none: the served model's default applies.
    await gql("VIEWER", "query($img: ImageInput!) { captionImage(image: $img) { text strategy } }", { img: { imageId: image.id } });
    expect(fake.callsTo("captionImage").at(-1)!.args[1]).toMatchObject({ strategy: undefined, consensus: undefined });
  });

  it("captioningDefaults tells clients which ranking a call without knobs gets", async () => {
    const r = await gql("VIEWER", "{ captioningDefaults { strategy neighbours temperature weight consensus } }");
    expect(r.errors).toBeUndefined();
    expect(r.data?.captioningDefaults).toEqual({ strategy: "FUSED", neighbours: 10, temperature: 0.05, weight: 0.5, consensus: "off" });
    expect(codeOf(await gql("none", "{ captioningDefaults { strategy } }"))).toBe("UNAUTHENTICATED");
  });

  it("captionImage refuses out-of-range strategy knobs before reaching retrieval", async () => {
    const image = await ctx.db.prisma.image.findFirstOrThrow();
    const before = fake.calls.length;
    for (const args of ["neighbours: 0", "temperature: 0", "weight: 1.5", 'consensus: "1:0.3"', "strategy: NEAREST"]) {
      const r = await gql("VIEWER", `query($img: ImageInput!) { captionImage(image: $img, ${args}) { text } }`, {
        img: { imageId: image.id },
      });
      expect(codeOf(r), args).toBe("BAD_USER_INPUT");
    }
    expect(fake.calls.length).toBe(before);
  });

  it("similarImages forwards excludeSameCase", async () => {
    const image = await ctx.db.prisma.image.findFirstOrThrow();
    const r = await gql(
      "VIEWER",
      `query($id: ID!) { similarImages(image: { imageId: $id }, k: 4, excludeSameCase: true) { score image { id } ${provenance} } }`,
      { id: image.id },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data?.similarImages).toHaveLength(4);
    expect(fake.callsTo("similarImages").at(-1)!.args[1]).toEqual({ k: 4, filter: undefined, excludeSameCase: true });
  });

  it("refuses oversized, over-pixel, corrupt and ambiguous images before they reach retrieval", async () => {
    const q = "query($img: ImageInput!) { captionImage(image: $img) { text } }";
    const before = fake.calls.length;
    const big = Buffer.alloc(MAX_UPLOAD + 10, 7);
    const oversizedB64 = await gql("VIEWER", q, { img: { base64: big.toString("base64") } });
    expect(codeOf(oversizedB64)).toBe("BAD_USER_INPUT");
    expect(oversizedB64.errors?.[0]?.message).toMatch(/byte limit/);
    const oversizedUpload = await upload("VIEWER", q, { img: { upload: null } }, "variables.img.upload", big);
    expect(codeOf(oversizedUpload)).toBe("BAD_USER_INPUT");
    const tooManyPixels = await gql("VIEWER", q, { img: { base64: (await pngOf(1200, 1000)).toString("base64") } });
    expect(codeOf(tooManyPixels)).toBe("BAD_USER_INPUT");
    expect(tooManyPixels.errors?.[0]?.message).toMatch(/pixel limit/);
    const corrupt = await upload("VIEWER", q, { img: { upload: null } }, "variables.img.upload", png.subarray(0, png.length - 30));
    expect(codeOf(corrupt)).toBe("BAD_USER_INPUT");
    const notImage = await gql("VIEWER", q, { img: { base64: Buffer.from("hello, not an image at all").toString("base64") } });
    expect(codeOf(notImage)).toBe("BAD_USER_INPUT");
    const notBase64 = await gql("VIEWER", q, { img: { base64: "%%%%" } });
    expect(codeOf(notBase64)).toBe("BAD_USER_INPUT");
    const two = await gql("VIEWER", q, { img: { base64: png.toString("base64"), imageId: "x" } });
    expect(codeOf(two)).toBe("BAD_USER_INPUT");
    const none = await gql("VIEWER", q, { img: {} });
    expect(codeOf(none)).toBe("BAD_USER_INPUT");
    expect(fake.calls.length).toBe(before);
  });

  it("keeps CSRF prevention on: a multipart request without the preflight header is refused", async () => {
    const r = await upload(
      "VIEWER",
      "query($img: ImageInput!) { captionImage(image: $img) { text } }",
      { img: { upload: null } },
      "variables.img.upload",
      png,
      false,
    );
    expect(r.status).toBe(400);
  });
});

/** A case of its own for one role-matrix call (one image, one current caption), so no other test sees its edits. */
async function roleCase(name: string) {
  const c = await seedCase(ctx.db.prisma, {
    dataset: "roles",
    externalId: `role-${name}`,
    images: [{ externalId: `role-${name}_a`, caption: `role check ${name}` }],
  });
  const caption = await ctx.db.prisma.caption.findFirstOrThrow({ where: { image: { caseId: c.id }, isCurrent: true } });
  return { caseId: c.id, captionId: caption.id };
}

/** Each mutation with real arguments (fixtures made per call), so the call at the required role has to succeed. */
const mutationCalls: Record<keyof typeof MUTATION_ACCESS, () => Promise<[string, Record<string, unknown>]>> = {
  createCase: async () => ['mutation { createCase(input: { dataset: "roles", externalId: "role-create", split: TRAIN }) { id } }', {}],
  updateCase: async () => [
    'mutation($id: ID!) { updateCase(id: $id, input: { title: "t" }) { id } }',
    { id: (await roleCase("update")).caseId },
  ],
  addImage: async () => [
    "mutation($in: AddImageInput!) { addImage(input: $in) { id } }",
    {
      in: {
        caseId: (await roleCase("add")).caseId,
        image: { base64: (await pngOf(24, 16, 77)).toString("base64") },
        caption: "c",
        modality: "CT",
      },
    },
  ],
  updateCaption: async () => [
    'mutation($id: ID!) { updateCaption(id: $id, text: "t") { id } }',
    { id: (await roleCase("caption")).captionId },
  ],
  flagCaption: async () => [
    "mutation($id: ID!) { flagCaption(captionId: $id, reason: OTHER) { id } }",
    { id: (await roleCase("flag")).captionId },
  ],
  resolveFlag: async () => {
    const flag = await gql("ANNOTATOR", "mutation($id: ID!) { flagCaption(captionId: $id, reason: OTHER) { id } }", {
      id: (await roleCase("resolve")).captionId,
    });
    return ["mutation($id: ID!) { resolveFlag(id: $id, decision: REJECT) { id } }", { id: flag.data?.flagCaption.id }];
  },
  reindex: async () => ["mutation { reindex { id } }", {}],
  runEvaluation: async () => ["mutation { runEvaluation(protocol: RETRIEVAL, split: DEV) { id } }", {}],
  // The version that is already active: the call succeeds and leaves the served model as it was.
  activateModelVersion: async () => ["mutation($id: ID!) { activateModelVersion(id: $id) { id } }", { id: modelVersionId }],
  createApiKey: async () => ['mutation { createApiKey(label: "role-check", role: VIEWER) { secret } }', {}],
  revokeApiKey: async () => {
    const { key } = await new ApiKeyService(ctx.db.prisma).create({ label: "role-revoke", role: "VIEWER" }, "test");
    return ["mutation($id: ID!) { revokeApiKey(id: $id) { id } }", { id: key.id }];
  },
};

describe("role matrix", () => {
  for (const [field, required] of Object.entries(MUTATION_ACCESS) as [keyof typeof MUTATION_ACCESS, Role][]) {
    it(`${field} needs ${required}: UNAUTHENTICATED without a key, FORBIDDEN for the role below, succeeds at ${required}`, async () => {
      const [doc, vars] = await mutationCalls[field]();
      const auditsBefore = await ctx.db.prisma.auditLog.count();
      expect(codeOf(await gql("none", doc, vars))).toBe("UNAUTHENTICATED");
      const below = roleBelow(required);
      if (below) expect(codeOf(await gql(below, doc, vars))).toBe("FORBIDDEN");
      // Refused calls change nothing, so they leave no audit entry.
      expect(await ctx.db.prisma.auditLog.count()).toBe(auditsBefore);
      const allowed = await gql(required, doc, vars);
      expect(allowed.errors).toBeUndefined();
      expect(allowed.data?.[field]).toBeTruthy();
      expect(await ctx.db.prisma.auditLog.count()).toBeGreaterThan(auditsBefore);
    });
  }

  it("apiKeys is for admins", async () => {
    expect(codeOf(await gql("CURATOR", "{ apiKeys { id } }"))).toBe("FORBIDDEN");
    expect((await gql("ADMIN", "{ apiKeys { id secretHash: prefix } }")).data?.apiKeys.length).toBeGreaterThanOrEqual(4);
  });
});

describe("curation round trip", () => {
  it("create → update case, add an image, edit its caption, flag → accept with corrected text, all audited", async () => {
    const prisma = ctx.db.prisma;
    const created = await gql(
      "CURATOR",
      'mutation { createCase(input: { dataset: "curated", externalId: "C-1", split: TRAIN, title: "  Draft  " }) { id title dataset { name } } }',
    );
    expect(created.errors).toBeUndefined();
    const caseId = created.data?.createCase.id as string;
    expect(created.data?.createCase).toMatchObject({ title: "Draft", dataset: { name: "curated" } });
    const dup = await gql("CURATOR", 'mutation { createCase(input: { dataset: "curated", externalId: "C-1", split: TRAIN }) { id } }');
    expect(codeOf(dup)).toBe("BAD_USER_INPUT");

    const updated = await gql(
      "CURATOR",
      'mutation($id: ID!) { updateCase(id: $id, input: { title: "Final", split: DEV }) { title split } }',
      { id: caseId },
    );
    expect(updated.data?.updateCase).toEqual({ title: "Final", split: "DEV" });

    const addQ =
      "mutation($in: AddImageInput!) { addImage(input: $in) { id width height format caption { id text source revision } case { id } } }";
    const image = await pngOf(40, 30, 200);
    const added = await upload(
      "CURATOR",
      addQ,
      { in: { caseId, image: { upload: null }, caption: "Axial CT   of the chest", modality: "CT", plane: "Axial" } },
      "variables.in.image.upload",
      image,
    );
    expect(added.errors).toBeUndefined();
    const img = added.data?.addImage;
    expect(img).toMatchObject({
      width: 40,
      height: 30,
      format: "png",
      caption: { text: "Axial CT of the chest", source: "CURATED", revision: 1 },
      case: { id: caseId },
    });
    expect(fake.callsTo("indexImage").at(-1)?.args).toEqual([img.id]);
    const stored = await prisma.image.findUniqueOrThrow({ where: { id: img.id } });
    expect((await ctx.images.read(stored.storedPath)).equals(image)).toBe(true);
    const corruptAdd = await gql("CURATOR", addQ, {
      in: { caseId, image: { base64: image.subarray(0, 60).toString("base64") }, caption: "x", modality: "CT" },
    });
    expect(codeOf(corruptAdd)).toBe("BAD_USER_INPUT");
    const byIdAdd = await gql("CURATOR", addQ, { in: { caseId, image: { imageId: img.id }, caption: "x", modality: "CT" } });
    expect(codeOf(byIdAdd)).toBe("BAD_USER_INPUT");

    const captionId = img.caption.id as string;
    const edited = await gql(
      "CURATOR",
      'mutation($id: ID!) { updateCaption(id: $id, text: "Axial CT of the chest with contrast", comment: "typo") { text revision revisions { revision text author comment } } }',
      { id: captionId },
    );
    expect(edited.data?.updateCaption.revision).toBe(2);
    expect(edited.data?.updateCaption.revisions[1]).toEqual({
      revision: 2,
      text: "Axial CT of the chest with contrast",
      author: `test-curator (key ${keyRows.CURATOR.id})`,
      comment: "typo",
    });
    expect(fake.callsTo("reindexCaption").at(-1)?.args).toEqual([captionId]);

    const flagged = await gql(
      "ANNOTATOR",
      'mutation($id: ID!) { flagCaption(captionId: $id, reason: WRONG_ANATOMY, note: "this is the abdomen") { id status reason note raisedBy caption { id } } }',
      { id: captionId },
    );
    expect(flagged.data?.flagCaption).toMatchObject({
      status: "OPEN",
      reason: "WRONG_ANATOMY",
      note: "this is the abdomen",
      caption: { id: captionId },
    });
    const flagId = flagged.data?.flagCaption.id as string;
    const open = await gql("VIEWER", "{ flags(status: OPEN) { totalCount edges { node { id } } } }");
    expect(open.data?.flags.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(flagId);

    const reindexCalls = fake.callsTo("reindexCaption").length;
    const resolved = await gql(
      "CURATOR",
      'mutation($id: ID!) { resolveFlag(id: $id, decision: ACCEPT, correctedText: "Axial CT of the abdomen", comment: "agreed") { status resolvedBy resolutionComment correctedText resolvedAt caption { text revision revisions { revision text } } } }',
      { id: flagId },
    );
    expect(resolved.errors).toBeUndefined();
    expect(resolved.data?.resolveFlag).toMatchObject({
      status: "ACCEPTED",
      resolutionComment: "agreed",
      correctedText: "Axial CT of the abdomen",
      caption: { text: "Axial CT of the abdomen", revision: 3 },
    });
    expect(resolved.data?.resolveFlag.caption.revisions.map((r: { revision: number }) => r.revision)).toEqual([1, 2, 3]);
    expect(fake.callsTo("reindexCaption").length).toBe(reindexCalls + 1);
    expect(fake.callsTo("reindexCaption").at(-1)?.args).toEqual([captionId]);
    expect(codeOf(await gql("CURATOR", "mutation($id: ID!) { resolveFlag(id: $id, decision: REJECT) { id } }", { id: flagId }))).toBe(
      "BAD_USER_INPUT",
    );

    const second = await gql("ANNOTATOR", "mutation($id: ID!) { flagCaption(captionId: $id, reason: OTHER) { id } }", { id: captionId });
    const rejected = await gql(
      "CURATOR",
      'mutation($id: ID!) { resolveFlag(id: $id, decision: REJECT, comment: "caption is fine") { status caption { revision } } }',
      { id: second.data?.flagCaption.id },
    );
    expect(rejected.data?.resolveFlag).toEqual({ status: "REJECTED", caption: { revision: 3 } });
    expect(fake.callsTo("reindexCaption").length).toBe(reindexCalls + 1);

    const audits = await prisma.auditLog.findMany({ where: { actor: { contains: "(key " } }, orderBy: { at: "asc" } });
    const actions = audits.map((a) => a.action);
    for (const action of [
      "dataset.create",
      "case.create",
      "case.update",
      "image.add",
      "caption.update",
      "flag.raise",
      "caption.correct",
      "flag.resolve",
    ]) {
      expect(actions).toContain(action);
    }
    const correction = audits.find((a) => a.action === "caption.correct")!;
    expect(correction.actor).toBe(`test-curator (key ${keyRows.CURATOR.id})`);
    expect(correction.before).toMatchObject({ text: "Axial CT of the chest with contrast", revision: 2 });
    expect(correction.after).toMatchObject({ text: "Axial CT of the abdomen", revision: 3 });
    const caseUpdate = audits.find((a) => a.action === "case.update" && a.targetId === caseId)!;
    expect(caseUpdate.before).toMatchObject({ title: "Draft", split: "TRAIN" });
    expect(caseUpdate.after).toMatchObject({ title: "Final", split: "DEV" });
  });

  it("admins create keys whose secret works once shown, and revoke them", async () => {
    const created = await gql(
      "ADMIN",
      'mutation { createApiKey(label: "frontend", role: ANNOTATOR) { secret key { id role label prefix } } }',
    );
    const { secret, key } = created.data!.createApiKey as { secret: string; key: { id: string; prefix: string } };
    expect(secret.startsWith(key.prefix)).toBe(true);
    const row = await ctx.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.secretHash).not.toContain(secret);
    expect((await gql(secret, "{ me { label role } }")).data?.me).toEqual({ label: "frontend", role: "ANNOTATOR" });
    const revoked = await gql("ADMIN", "mutation($id: ID!) { revokeApiKey(id: $id) { revoked revokedAt } }", { id: key.id });
    expect(revoked.data?.revokeApiKey.revoked).toBe(true);
    expect(codeOf(await gql(secret, "{ me { label } }"))).toBe("UNAUTHENTICATED");
    const audit = await ctx.db.prisma.auditLog.findMany({ where: { targetId: key.id } });
    expect(audit.map((a) => a.action).sort()).toEqual(["apiKey.create", "apiKey.revoke"]);
    expect(JSON.stringify(audit)).not.toContain(row.secretHash);
  });

  it("activates a model version only once everything is indexed under it", async () => {
    const prisma = ctx.db.prisma;
    const other = await prisma.modelVersion.findFirstOrThrow({ where: { version: "2" } });
    const images = await prisma.image.findMany({ select: { id: true, sha256: true } });
    const captions = await prisma.caption.findMany({ where: { isCurrent: true }, select: { id: true, text: true } });
    const refused = await gql("ADMIN", "mutation($id: ID!) { activateModelVersion(id: $id) { id } }", { id: other.id });
    expect(codeOf(refused)).toBe("CONFLICT");
    expect(refused.errors?.[0]?.message).toContain(`${images.length} images and ${captions.length} captions are not indexed`);
    expect((await prisma.modelVersion.findUniqueOrThrow({ where: { id: other.id } })).active).toBe(false);
    // Index it (stand-in vectors: the fake model has no encoder), then activation goes through.
    const repo = new EmbeddingRepository(prisma);
    const v = new Float32Array([1, 0, 0, 0]);
    await repo.save(
      other.id,
      "IMAGE",
      images.map((i) => ({ targetId: i.id, contentSha256: i.sha256, vector: v })),
    );
    await repo.save(
      other.id,
      "CAPTION",
      captions.map((c) => ({ targetId: c.id, contentSha256: sha256Hex(c.text), vector: v })),
    );
    const r = await gql("ADMIN", "mutation($id: ID!) { activateModelVersion(id: $id) { id active } }", { id: other.id });
    expect(r.data?.activateModelVersion).toEqual({ id: other.id, active: true });
    const versions = await ctx.db.prisma.modelVersion.findMany({ where: { active: true } });
    expect(versions.map((v) => v.id)).toEqual([other.id]);
    // Back to the first version (its index is incomplete too): the flag is restored directly.
    await activateModelVersion(prisma, modelVersionId, "test");
  });
});

describe("job queue", () => {
  async function waitForJob(id: string, done: (status: string) => boolean) {
    for (let i = 0; i < 100; i++) {
      const r = await gql(
        "VIEWER",
        "query($id: ID!) { job(id: $id) { id kind status progress message result error params createdBy startedAt finishedAt heartbeatAt } }",
        { id },
      );
      if (done(r.data?.job.status)) return r.data?.job;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`job ${id} did not finish`);
  }

  it("a reindex job runs to SUCCEEDED with progress and a result", async () => {
    const queued = await gql("CURATOR", "mutation { reindex { id kind status progress params } }");
    expect(queued.data?.reindex).toMatchObject({ kind: "REINDEX", progress: 0, params: { modelVersionId } });
    const job = await waitForJob(queued.data?.reindex.id, (s) => s === "SUCCEEDED" || s === "FAILED");
    expect(job).toMatchObject({
      status: "SUCCEEDED",
      progress: 1,
      message: "encoding captions",
      result: { indexed: 10, params: { modelVersionId } },
    });
    expect(job.createdBy).toBe(`test-curator (key ${keyRows.CURATOR.id})`);
    expect(job.startedAt && job.finishedAt && job.heartbeatAt).toBeTruthy();
  });

  it("a failing handler ends the job FAILED with its error", async () => {
    const queued = await gql("CURATOR", "mutation { runEvaluation(protocol: CAPTION_LIBRARY, split: DEV) { id kind params } }");
    expect(queued.data?.runEvaluation).toMatchObject({
      kind: "EVALUATION",
      params: { protocol: "caption-library", split: "DEV", modelVersionId },
    });
    const job = await waitForJob(queued.data?.runEvaluation.id, (s) => s === "SUCCEEDED" || s === "FAILED");
    expect(job).toMatchObject({ status: "FAILED", error: "protocol exploded" });
    const audit = await ctx.db.prisma.auditLog.findFirst({ where: { targetId: job.id, action: "job.enqueue" } });
    expect(audit).not.toBeNull();
  });

  it("an evaluation job carries its captioning knobs; malformed ones are refused before queueing", async () => {
    const queued = await gql(
      "CURATOR",
      'mutation { runEvaluation(protocol: CAPTION_LIBRARY, split: DEV, strategy: IMAGES, neighbours: 7, consensus: "off") { id params } }',
    );
    expect(queued.errors).toBeUndefined();
    expect(queued.data?.runEvaluation.params).toEqual({
      protocol: "caption-library",
      split: "DEV",
      modelVersionId,
      captioning: { strategy: "images", neighbours: 7, consensus: "off" },
    });
    await waitForJob(queued.data?.runEvaluation.id, (s) => s === "SUCCEEDED" || s === "FAILED");
    const jobs = await ctx.db.prisma.job.count();
    const bad = await gql("CURATOR", "mutation { runEvaluation(protocol: CAPTION_LIBRARY, split: DEV, temperature: -1) { id } }");
    expect(codeOf(bad)).toBe("BAD_USER_INPUT");
    expect(await ctx.db.prisma.job.count()).toBe(jobs);
  });

  it("unknown model versions are refused", async () => {
    expect(codeOf(await gql("CURATOR", 'mutation { reindex(modelVersionId: "nope") { id } }'))).toBe("NOT_FOUND");
  });
});

describe("error masking", () => {
  it("masks unexpected errors as INTERNAL_SERVER_ERROR with a request id", async () => {
    const original = fake.searchImages.bind(fake);
    fake.searchImages = async () => {
      throw new Error("secret connection string postgres://user:pw@host");
    };
    try {
      const r = await gql("VIEWER", '{ searchImages(text: "x") { score } }');
      expect(r.errors?.[0]).toMatchObject({ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } });
      expect(r.errors?.[0]?.extensions?.requestId).toBeTruthy();
      expect(JSON.stringify(r)).not.toContain("postgres://");
    } finally {
      fake.searchImages = original;
    }
  });
});

describe("retrieval failures", () => {
  it("a failed re-index is logged, not reported: the committed caption revision stands", async () => {
    const caption = await ctx.db.prisma.caption.findFirstOrThrow({ where: { isCurrent: true } });
    const original = fake.reindexCaption.bind(fake);
    fake.reindexCaption = async () => {
      throw new Error("vector store down");
    };
    try {
      const r = await gql("CURATOR", 'mutation($id: ID!) { updateCaption(id: $id, text: "Sagittal MR of the brain") { text revision } }', {
        id: caption.id,
      });
      expect(r.errors).toBeUndefined();
      expect(r.data?.updateCaption).toEqual({ text: "Sagittal MR of the brain", revision: caption.revision + 1 });
    } finally {
      fake.reindexCaption = original;
    }
  });

  it("without a retrieval core, search answers OVERLOADED and health is degraded", async () => {
    const bare = await createServer({ ctx, retrieval: undefined, worker: false, ownsContext: false });
    const { url: bareUrl } = await bare.listen(0, "127.0.0.1");
    try {
      const client = new GraphQLClient(bareUrl, { headers: { authorization: `Bearer ${secrets.VIEWER}` }, errorPolicy: "all" });
      const health = await client.rawRequest<{ health: { status: string; retrieval: boolean } }>("{ health { status retrieval } }");
      expect(health.data?.health).toEqual({ status: "degraded", retrieval: false });
      const search = await client.rawRequest('{ searchImages(text: "x") { score } }');
      expect((search.errors?.[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code).toBe("OVERLOADED");
    } finally {
      await bare.close();
    }
  });
});

describe("rate limit and shutdown", () => {
  it("rate-limits per key with OVERLOADED and Retry-After", async () => {
    const limited = await createServer({
      ctx: { ...ctx, config: { ...ctx.config, limits: { ...ctx.config.limits, rateLimitPerMinute: 2 } } },
      retrieval: fake,
      worker: false,
      ownsContext: false,
    });
    const { url: limitedUrl } = await limited.listen(0, "127.0.0.1");
    try {
      const call = () =>
        fetch(limitedUrl, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${secrets.VIEWER}` },
          body: JSON.stringify({ query: "{ datasets { id } }" }),
        });
      expect((await call()).status).toBe(200);
      expect((await call()).status).toBe(200);
      const third = await call();
      expect(third.status).toBe(429);
      expect(third.headers.get("retry-after")).toBeTruthy();
      expect(((await third.json()) as GqlResult).errors?.[0]?.extensions?.code).toBe("OVERLOADED");
      const otherKey = await fetch(limitedUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secrets.ADMIN}` },
        body: JSON.stringify({ query: "{ datasets { id } }" }),
      });
      expect(otherKey.status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("drains an in-flight request on close, then refuses new connections", async () => {
    const slow = await createServer({ ctx, retrieval: fake, worker: false, ownsContext: false });
    const { url: slowUrl } = await slow.listen(0, "127.0.0.1");
    const original = fake.searchImages.bind(fake);
    let entered!: () => void;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    fake.searchImages = async (text, options) => {
      entered();
      await new Promise((r) => setTimeout(r, 300));
      return original(text, options);
    };
    try {
      const inflight = fetch(slowUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secrets.VIEWER}` },
        body: JSON.stringify({ query: '{ searchImages(text: "x", k: 1) { score } }' }),
      });
      await inside;
      const closing = slow.close();
      const res = await inflight;
      expect(res.status).toBe(200);
      expect(((await res.json()) as GqlResult).data?.searchImages).toHaveLength(1);
      await closing;
      await expect(fetch(slowUrl.replace("/graphql", "/healthz"))).rejects.toThrow();
    } finally {
      fake.searchImages = original;
    }
  });
});
