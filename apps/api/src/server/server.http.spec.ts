// The real server over real HTTP against embedded Postgres, with a recording fake retrieval port:
// operations endpoints, authentication, catalogue queries, validation and search.
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import {
  MAX_UPLOAD,
  type GqlResult,
  ctx,
  origin,
  url,
  fake,
  secrets,
  keyRows,
  modelVersionId,
  caseIds,
  png,
  gql,
  upload,
  codeOf,
  pngOf,
  useHttpServer,
} from "../../test/http.harness.js";

useHttpServer();

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

  it("evaluation runs expose their stored anatomy agreement as typed fields; null for runs without it", async () => {
    const figure = (value: number | null, floor: number | null, n: number) => ({ value, floor, n });
    const anatomy = {
      basis: "the nearest other image of the split (image → image top-1)",
      top1: {
        regionRaw: figure(0.5, 0.2, 10),
        regionGrouped: figure(0.6, 0.3, 10),
        modality: figure(0.9, 0.5, 12),
        plane: figure(null, null, 0),
      },
    };
    const run = await ctx.db.prisma.evaluationRun.create({
      data: {
        modelVersionId,
        protocol: "retrieval",
        split: "TEST",
        params: {},
        metrics: { imageToText: { R1: 0.1 }, anatomy },
        finishedAt: new Date(),
      },
    });
    try {
      const fields = "{ value floor n }";
      const r = await gql(
        "VIEWER",
        `{ evaluationRuns(split: TEST) { anatomy { basis top1 { regionRaw ${fields} regionGrouped ${fields} modality ${fields} plane ${fields} } allOfTop5 { modality ${fields} } } } legacy: evaluationRuns(protocol: CAPTION_LIBRARY) { anatomy { basis } } }`,
      );
      expect(r.errors).toBeUndefined();
      expect(r.data?.evaluationRuns).toEqual([{ anatomy: { ...anatomy, allOfTop5: null } }]);
      expect(r.data?.legacy).toEqual([{ anatomy: null }]);
    } finally {
      await ctx.db.prisma.evaluationRun.delete({ where: { id: run.id } });
    }
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
