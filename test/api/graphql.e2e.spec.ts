// The API as frontend teams meet it: `medcap serve` in its own process, the committed model,
// embedded PostgreSQL, real MedPix images, a real GraphQL client over HTTP.
import type { ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ClientError, GraphQLClient, gql } from "graphql-request";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// Test-only: the encoders' byte-level DICOM writer, so the upload is a real Part 10 file.
import { writeSyntheticDicom } from "@medcap/api/testing";
import { medcap, medcapJson, medpixDir, serve } from "./medcap.process.js";
import { importMedpixSlice, readMedpixDescriptions } from "./medpix.slice.js";

let dataDir: string;
let env: Record<string, string>;
let server: { url: string; child: ChildProcess; logs: () => string };
const keys: Record<string, string> = {};
const client = (role: string) => new GraphQLClient(server.url, { headers: { authorization: `Bearer ${keys[role]}` } });

async function uploadQuery(
  role: string,
  query: string,
  file: { bytes: Uint8Array; name: string },
  variables: Record<string, unknown> = {},
) {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query, variables: { ...variables, file: null } }));
  form.append("map", JSON.stringify({ 0: ["variables.file"] }));
  form.append("0", new Blob([file.bytes]), file.name);
  const res = await fetch(server.url, {
    method: "POST",
    headers: { authorization: `Bearer ${keys[role]}`, "apollo-require-preflight": "true" },
    body: form,
  });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: { message: string; extensions: { code: string } }[] };
}

async function errorCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as ClientError).response?.errors?.[0]?.extensions?.code as string | undefined;
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-e2e-"));
  await chmod(dataDir, 0o755);
  env = { MEDCAP_DATA_DIR: dataDir, MEDCAP_MAX_UPLOAD_BYTES: "2000000" };
  // A real slice of MedPix 2.0: the first 14 cases of Descriptions.json, through the generic importer.
  const descriptions = await readMedpixDescriptions();
  const caseIds = [...new Set(descriptions.map((d) => d.U_id))].slice(0, 14);
  const imported = await importMedpixSlice(dataDir, env, { descriptions, caseIds, devEvery: 5, title: (id) => `MedPix ${id}` });
  expect(imported.cases.imported).toBe(14);
  for (const role of ["viewer", "annotator", "curator", "admin"]) {
    keys[role] = (await medcapJson<{ secret: string }>(["keys", "create", "--role", role, "--label", `e2e ${role}`, "--json"], env)).secret;
  }
  server = await serve(env);
}, 300_000);

afterAll(async () => {
  if (server?.child.exitCode === null) {
    server.child.kill("SIGTERM");
    await new Promise((r) => server.child.once("exit", r));
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe("GraphQL over HTTP with the committed model", () => {
  it("answers text → images with score, model version and provenance", async () => {
    const data = await client("viewer").request<{
      searchImages: {
        score: number;
        modelVersion: { name: string };
        image: { id: string };
        provenance: { case: { id: string }; dataset: { name: string } };
      }[];
    }>(
      gql`
        query ($t: String!) {
          searchImages(text: $t, k: 5) { score modelVersion { name version } image { id externalId } provenance { case { id title } dataset { name } } }
        }
      `,
      { t: "axial CT of the liver" },
    );
    expect(data.searchImages).toHaveLength(5);
    for (const m of data.searchImages) {
      expect(m.modelVersion.name).toBe("medcap-base-v3");
      expect(m.provenance.dataset.name).toBe("medpix-slice");
      expect(typeof m.score).toBe("number");
    }
    const scores = data.searchImages.map((m) => m.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it("captions an uploaded PNG, a JPEG and a base64 image, and an existing image id", async () => {
    const png = await readFile(path.join(medpixDir, "MedPix-2-0", "images", "MPX1009_synpic46283.png"));
    const q =
      "query($file: Upload!) { captionImage(image: { upload: $file }, k: 3) { text score captions { id } provenance { image { id } } } }";
    const fromPng = await uploadQuery("viewer", q, { bytes: png, name: "q.png" });
    expect(fromPng.errors).toBeUndefined();
    const matches = fromPng.data?.captionImage as { text: string }[];
    expect(matches).toHaveLength(3);
    expect(new Set(matches.map((m) => m.text)).size).toBe(3);
    const jpeg = await sharp(png).jpeg({ quality: 92 }).toBuffer();
    const fromJpeg = await uploadQuery("viewer", q, { bytes: jpeg, name: "q.jpg" });
    expect(fromJpeg.errors).toBeUndefined();
    const b64 = await client("viewer").request<{ captionImage: { text: string }[] }>(
      gql`query ($b: String!) { captionImage(image: { base64: $b }, k: 2) { text score } }`,
      { b: png.toString("base64") },
    );
    expect(b64.captionImage).toHaveLength(2);
  });

  it("classifies an image with the attribute heads, and captions and finds similar images under the attribute prior", async () => {
    // A coronal non-contrast CT of a genitourinary case (MedPix MPX1009): abdomen and pelvis anatomy.
    const png = await readFile(path.join(medpixDir, "MedPix-2-0", "images", "MPX1009_synpic46283.png"));
    type Pred = { attribute: string; label: string; probability: number; alternatives: { label: string; probability: number }[] };
    const fields = "attribute label probability alternatives { label probability }";
    const { classifyImage } = await client("viewer").request<{ classifyImage: { attributes: Pred[]; modelVersion: { name: string } } }>(
      gql`query ($b: String!) { classifyImage(image: { base64: $b }) { attributes { ${fields} } modelVersion { name } } }`,
      { b: png.toString("base64") },
    );
    const byName = new Map(classifyImage.attributes.map((a) => [a.attribute, a]));
    expect([...byName.keys()]).toEqual(expect.arrayContaining(["modality", "region", "regionGroup", "plane", "sequence"]));
    for (const a of classifyImage.attributes) {
      expect(a.alternatives[0]).toEqual({ label: a.label, probability: a.probability });
      expect(a.alternatives.reduce((s, o) => s + o.probability, 0)).toBeCloseTo(1, 3);
    }
    expect(byName.get("modality")?.label).toBe("CT");
    expect(byName.get("regionGroup")?.label).toBe("Abdomen and Pelvis");

    type Match = {
      text: string;
      queryAttributes: Pred[] | null;
      restriction: { summary: string; penalty: number | null } | null;
      contradicts: string[];
    };
    const caption = async (prior: boolean) =>
      (
        await client("viewer").request<{ captionImage: Match[] }>(
          gql`query ($b: String!, $p: Boolean) { captionImage(image: { base64: $b }, k: 10, attributePrior: $p) {
            text contradicts restriction { summary penalty } queryAttributes { ${fields} } } }`,
          { b: png.toString("base64"), p: prior },
        )
      ).captionImage;
    const on = await caption(true);
    expect(on).toHaveLength(10);
    for (const m of on) expect(m.queryAttributes).toEqual(classifyImage.attributes);
    const restriction = on[0]?.restriction;
    if (restriction) {
      expect(restriction.summary).toMatch(/^restricted to .+ \(p = /);
      // demoted captions (contradicting a confident prediction) never rank above agreeing ones
      const firstDemoted = on.findIndex((m) => m.contradicts.length > 0);
      if (firstDemoted >= 0 && restriction.penalty === null)
        expect(on.slice(firstDemoted).every((m) => m.contradicts.length > 0)).toBe(true);
    }
    const off = await caption(false);
    for (const m of off) {
      expect(m.restriction).toBeNull();
      expect(m.contradicts).toEqual([]);
    }
    const { similarImages } = await client("viewer").request<{
      similarImages: { similarity: number; score: number; queryAttributes: Pred[] | null }[];
    }>(gql`query ($b: String!) { similarImages(image: { base64: $b }, k: 3) { score similarity queryAttributes { attribute } } }`, {
      b: png.toString("base64"),
    });
    expect(similarImages).toHaveLength(3);
    for (const m of similarImages) {
      expect(m.queryAttributes?.length).toBe(classifyImage.attributes.length);
      expect(m.score).toBeLessThanOrEqual(m.similarity + 1e-6);
    }
    // no key, no classification (a tiny body: anonymous requests are refused before any image is read)
    const anonymous = new GraphQLClient(server.url);
    expect(await errorCode(anonymous.request(gql`{ classifyImage(image: { base64: "AAAA" }) { attributes { label } } }`))).toBe(
      "UNAUTHENTICATED",
    );
  });

  it("refuses a flood of long thin images (#26 High 2) while /healthz and other captions keep answering", async () => {
    // distinct heights: the old resize cache grew by one set of weights per height
    const thin = (h: number) =>
      sharp({ create: { width: 1, height: h, channels: 3, background: "#808080" } })
        .grayscale()
        .png()
        .toBuffer();
    const png = await readFile(path.join(medpixDir, "MedPix-2-0", "images", "MPX1009_synpic46283.png"));
    const q = "query ($b: String!) { captionImage(image: { base64: $b }, k: 1) { text } }";
    const base = server.url.replace(/\/graphql$/, "");
    const flood = Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        thin(20000 + i).then((b) => errorCode(client("viewer").request(gql`${q}`, { b: b.toString("base64") }))),
      ),
    );
    const health: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      health.push(performance.now() - t);
      expect(
        (await client("annotator").request<{ captionImage: unknown[] }>(gql`${q}`, { b: png.toString("base64") })).captionImage,
      ).toHaveLength(1);
    }
    expect(await flood).toEqual(Array(6).fill("BAD_USER_INPUT"));
    console.log(
      `[faults] #26 High 2: /healthz during a flood of 1×20000 PNGs: max ${Math.max(...health).toFixed(1)} ms over ${health.length} probes`,
    );
  });

  it("captions an uploaded DICOM (windowed, middle frame) without echoing patient data", async () => {
    const dicom = writeSyntheticDicom({
      rows: 64,
      columns: 64,
      frames: 3,
      bitsAllocated: 16,
      modality: "CT",
      rescaleSlope: 1,
      rescaleIntercept: -1024,
      windowCenter: 40,
      windowWidth: 400,
      patientName: "Doe^Jane",
      patientId: "SECRET-123",
      pixel: (f, r, c) => 1024 + ((r * 7 + c * 3 + f * 11) % 200) - 100,
    });
    const q = "query($file: Upload!) { captionImage(image: { upload: $file }, k: 2) { text score } }";
    const res = await uploadQuery("viewer", q, { bytes: dicom, name: "slice.dcm" });
    expect(res.errors).toBeUndefined();
    expect(res.data?.captionImage as unknown[]).toHaveLength(2);
    expect(JSON.stringify(res)).not.toMatch(/Doe|SECRET-123/);
    expect(server.logs()).not.toMatch(/Doe|SECRET-123/);
  });

  it("refuses an upload over the size limit before decoding it", async () => {
    const big = new Uint8Array(2_500_000);
    big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]); // PNG magic, then nothing decodable
    const q = "query($file: Upload!) { captionImage(image: { upload: $file }, k: 2) { text } }";
    const res = await uploadQuery("viewer", q, { bytes: big, name: "big.png" });
    expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0]?.message).toMatch(/limit|large|bytes/i);
  });

  it("refuses corrupt and wrong-format uploads with BAD_USER_INPUT or UNSUPPORTED media errors, and stays up", async () => {
    const png = await readFile(path.join(medpixDir, "MedPix-2-0", "images", "MPX1009_synpic46283.png"));
    const q = "query($file: Upload!) { captionImage(image: { upload: $file }, k: 3) { text } }";
    const truncated = await uploadQuery("viewer", q, { bytes: png.subarray(0, 200), name: "bad.png" });
    expect(truncated.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    const text = await uploadQuery("viewer", q, { bytes: new TextEncoder().encode("%PDF-1.4 not an image"), name: "x.pdf" });
    expect(text.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    expect(text.errors?.[0]?.message).toMatch(/image|format|support/i);
    const health = await client("viewer").request<{ health: { status: string } }>(gql`{ health { status } }`);
    expect(health.health.status).toBe("ok");
  });

  it("flag → resolve with corrected text → new revision → the corrected caption is what search returns", async () => {
    const viewer = client("viewer");
    const { searchImages } = await viewer.request<{ searchImages: { image: { id: string; caption: { id: string; text: string } } }[] }>(
      gql`{ searchImages(text: "brain MRI", k: 1) { image { id caption { id text } } } }`,
    );
    const image = searchImages[0]!.image;
    expect(
      await errorCode(
        viewer.request(gql`mutation ($c: ID!) { flagCaption(captionId: $c, reason: WRONG_FINDING, note: "x") { id } }`, {
          c: image.caption.id,
        }),
      ),
    ).toBe("FORBIDDEN");

    const flag = await client("annotator").request<{ flagCaption: { id: string; status: string } }>(
      gql`mutation ($c: ID!) { flagCaption(captionId: $c, reason: WRONG_FINDING, note: "finding does not match the image") { id status } }`,
      { c: image.caption.id },
    );
    expect(flag.flagCaption.status).toBe("OPEN");
    expect(
      await errorCode(
        client("annotator").request(gql`mutation ($id: ID!) { resolveFlag(id: $id, decision: REJECT, comment: "no") { id } }`, {
          id: flag.flagCaption.id,
        }),
      ),
    ).toBe("FORBIDDEN");

    const corrected = `Corrected by curator: ${image.caption.text.slice(0, 40)} (e2e)`;
    const resolved = await client("curator").request<{ resolveFlag: { status: string } }>(
      gql`mutation ($id: ID!, $t: String!) { resolveFlag(id: $id, decision: ACCEPT, correctedText: $t, comment: "fixed") { status } }`,
      { id: flag.flagCaption.id, t: corrected },
    );
    expect(resolved.resolveFlag.status).toBe("ACCEPTED");

    const after = await viewer.request<{
      image: { caption: { text: string; revision: number; revisions: { text: string; revision: number }[] } };
    }>(gql`query ($id: ID!) { image(id: $id) { caption { text revision revisions { text revision } } } }`, { id: image.id });
    expect(after.image.caption.text).toBe(corrected);
    expect(after.image.caption.revisions.map((r) => r.text)).toEqual(expect.arrayContaining([image.caption.text, corrected]));

    // Re-indexed: captioning the image now offers the corrected text, never the replaced one.
    const cap = await viewer.request<{ captionImage: { text: string; provenance: { image: { id: string } }[] }[] }>(
      gql`query ($id: ID!) { captionImage(image: { imageId: $id }, k: 20) { text provenance { image { id } } } }`,
      { id: image.id },
    );
    const mine = cap.captionImage.filter((c) => c.provenance.some((p) => p.image.id === image.id)).map((c) => c.text);
    expect(mine).toEqual([corrected]); // the replaced text may live on in other images, never on this one
  });

  it("rejects a missing or unknown key with UNAUTHENTICATED", async () => {
    const anonymous = new GraphQLClient(server.url);
    expect(await errorCode(anonymous.request(gql`{ datasets { name } }`))).toBe("UNAUTHENTICATED");
    const wrong = new GraphQLClient(server.url, { headers: { authorization: "Bearer not-a-key" } });
    expect(await errorCode(wrong.request(gql`{ datasets { name } }`))).toBe("UNAUTHENTICATED");
  });

  it("explains a match: occlusion cells, overlay and word weights, then the same answer from the cache", async () => {
    const viewer = client("viewer");
    const { cases } = await viewer.request<{
      cases: { edges: { node: { images: { id: string; caption: { id: string; text: string } | null }[] } }[] };
    }>(gql`{ cases(first: 1) { edges { node { images { id caption { id text } } } } } }`);
    const image = cases.edges[0]!.node.images.find((i) => i.caption)!;
    const explain = () =>
      viewer.request<{
        explainMatch: { cached: boolean; cells: { heat: number }[]; overlay: { pngBase64: string }; wordWeights: { word: string }[] };
      }>(
        gql`query ($id: ID!, $caption: ID!) {
          explainMatch(image: { imageId: $id }, captionId: $caption, grid: 4) { cached cells { heat } overlay { pngBase64 } wordWeights { word } }
        }`,
        { id: image.id, caption: image.caption!.id },
      );
    const first = (await explain()).explainMatch;
    expect(first.cached).toBe(false);
    expect(first.cells).toHaveLength(16);
    expect(Math.max(...first.cells.map((c) => c.heat))).toBe(1);
    expect((await sharp(Buffer.from(first.overlay.pngBase64, "base64")).metadata()).format).toBe("png");
    expect(first.wordWeights.map((w) => w.word)).toEqual(image.caption!.text.trim().split(/\s+/));
    const second = (await explain()).explainMatch;
    expect(second.cached).toBe(true);
    expect(second.cells).toEqual(first.cells);
  });

  it("serves liveness, readiness and Prometheus metrics", async () => {
    const base = server.url.replace(/\/graphql$/, "");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = (await (await fetch(`${base}/readyz`)).json()) as { ok: boolean; checks: Record<string, { ok: boolean }> };
    expect(ready.ok).toBe(true);
    expect(Object.keys(ready.checks)).toEqual(expect.arrayContaining(["database", "model", "vectorStore"]));
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/medcap_graphql_operation_duration_seconds_bucket/);
    expect(metrics).toMatch(/medcap_encode_batch_size_bucket/);
    // searchImages ran above: its text went through the embedding cache.
    expect(metrics).toMatch(/medcap_text_embedding_cache_requests_total\{result="miss"\} [1-9]/);
    // explainMatch ran twice above: one computed, one from the explanation cache.
    expect(metrics).toMatch(/medcap_explanation_cache_requests_total\{result="hit"\} [1-9]/);
  });
});

describe("medcap CLI against the same data", () => {
  it("caption --json prints one line per file with texts, scores and provenance", async () => {
    const file = path.join(medpixDir, "MedPix-2-0", "images", "MPX1009_synpic46295.png");
    const r = await medcap(["caption", file, file, "--k", "2", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ file });
    expect(lines[0].captions).toHaveLength(2);
    expect(lines[0].captions[0]).toHaveProperty("imageIds");
    expect(lines[0].captions[0]).toHaveProperty("caseIds");
  });

  it("bench --json measures every stage and reports the machine (small sizes; no thresholds)", async () => {
    // The served text graph as its own reference: the side-by-side path must report identical embeddings.
    // The served (default) model's own text graph as the reference: the side-by-side run must see cosine 1.
    const textReference = fileURLToPath(new URL("../../models/medcap-base-v3/text_encoder.onnx", import.meta.url));
    const r = await medcap(
      [
        "bench",
        "--sizes",
        "1000",
        "--queries",
        "3",
        "--requests",
        "6",
        "--concurrency",
        "1,4",
        "--image-batches",
        "8,40",
        "--text-reference",
        textReference,
        "--explain-images",
        "2",
        "--json",
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.machine).toMatchObject({ provider: "cpu" });
    expect(out.machine.cores).toBeGreaterThan(0);
    expect(out.imageEncoding.batch1.endToEndMs.n).toBe(40);
    // A batch larger than the 32 preprocessed samples still holds that many images (the GPU check asks for 256).
    expect(Object.keys(out.imageEncoding.throughput)).toEqual(["batch8", "batch40"]);
    expect(out.imageEncoding.throughput.batch40.onnxOnlyImagesPerSecond).toBeGreaterThan(0);
    expect(out.vectorSearch["1000"].exactMs.n).toBe(3);
    expect(out.vectorSearch["1000"].exactOverCopyFloor).toBeGreaterThan(0);
    expect(out.textEncoding.reference.cosineMin).toBeGreaterThan(0.99999);
    expect(out.indexing.images).toBeGreaterThan(0);
    expect(out.explanation).toMatchObject({ grid: "8x8", meanImageEncodes: 65, coldMs: { n: 2 }, cachedMs: { n: 8 } });
    for (const op of ["searchImages", "searchImagesDistinct", "captionImage", "captionImageBase64"])
      for (const c of ["concurrency1", "concurrency4"]) expect(out.http[op][c]).toMatchObject({ n: 6, errors: 0 });
    // Stage timings reach the bench: distinct texts run through ONNX, uploads and base64 images are
    // decoded, preprocessed and encoded, every search hits the store.
    expect(out.http.searchImagesDistinct.stagesMedianMs.onnx).toBeGreaterThan(0);
    for (const op of ["captionImage", "captionImageBase64"]) {
      for (const stage of ["decode", "preprocess", "onnx", "captionRows"])
        expect(out.http[op].stagesMedianMs[stage], `${op} ${stage}`).toBeGreaterThan(0);
    }
    for (const op of ["searchImages", "captionImage"]) expect(out.http[op].stagesMedianMs.vectorSearch).toBeGreaterThan(0);
  }, 300_000);
});
