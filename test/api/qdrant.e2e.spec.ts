// MedCap on Qdrant, end to end and as an operator meets it: a data folder indexed with the embedded
// store is switched to Qdrant (vectors restored from Postgres, nothing re-encoded), `medcap serve`
// answers GraphQL from Qdrant, heals a collection lost behind its back, and rides out a Qdrant
// outage (unready + SERVICE_UNAVAILABLE, then service again without a restart).
// This file starts its own Qdrant from the provided binary rather than sharing the run's: it stops
// and restarts it. Without the binary it is skipped, with the reason printed and in the suite name.
import type { ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qdrantBinary, type RunningQdrant, startQdrant } from "@medcap/api/testing";
import { medcapJson, medpixDir, serve } from "./medcap.process.js";

const bin = qdrantBinary();
const skipReason = bin.found ? "" : `no Qdrant binary at ${bin.path} (set MEDCAP_QDRANT_BIN)`;
if (skipReason) process.stdout.write(`\n::warning:: QDRANT END-TO-END TESTS SKIPPED: ${skipReason}\n`);

let dataDir: string;
let qdrantDir: string;
let qdrant: RunningQdrant;
let env: Record<string, string>;
let qenv: Record<string, string>;
let server: { url: string; child: ChildProcess; logs: () => string } | undefined;
let key: string;
/** The modality filtered on: the slice holds CT and MR. */
let modality: string;

interface SearchOut {
  images: { imageId: string; score: number }[];
}

function apiUrl(): string {
  if (!server) throw new Error("the API is not started");
  return server.url;
}

async function gql<T>(query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(apiUrl(), {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: T; errors?: { message: string; extensions: { code: string } }[] };
}

async function readyz() {
  const res = await fetch(apiUrl().replace(/\/graphql$/, "/readyz"));
  return { status: res.status, body: (await res.json()) as { checks: Record<string, { ok: boolean; detail?: string }> } };
}

/** Polls until `fn` returns true; readiness and healing are asynchronous by design. */
async function eventually(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const SEARCH = `query($t: String!, $f: SearchFilter) { searchImages(text: $t, k: 5, filter: $f) { score image { id modality } } }`;

describe.skipIf(!bin.found)(`medcap on Qdrant${skipReason ? ` [SKIPPED: ${skipReason}]` : ""}`, () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-qdrant-e2e-"));
    await chmod(dataDir, 0o755);
    qdrantDir = await mkdtemp(path.join(os.tmpdir(), "medcap-qdrant-e2e-store-"));
    env = { MEDCAP_DATA_DIR: dataDir };
    // A real slice of MedPix 2.0, indexed with the embedded store.
    const root = path.join(medpixDir, "MedPix-2-0");
    const descriptions = JSON.parse(await readFile(path.join(root, "Descriptions.json"), "utf8")) as {
      U_id: string;
      image: string;
      Type: string;
      Description: { Caption: string; Plane: string | null };
    }[];
    // Four CT and four MR cases, so a modality filter has something to leave out.
    const casesOf = (type: string) => [...new Set(descriptions.filter((d) => d.Type === type).map((d) => d.U_id))].slice(0, 4);
    const uids = [...casesOf("CT"), ...casesOf("MR")];
    modality = "MR";
    const lines = descriptions
      .filter((d) => uids.includes(d.U_id))
      .map((d) =>
        JSON.stringify({
          id: d.image,
          image: path.join(root, "images", `${d.image}.png`),
          caption: d.Description.Caption,
          case: d.U_id,
          modality: d.Type,
          plane: d.Description.Plane,
          split: uids.indexOf(d.U_id) % 4 === 3 ? "dev" : "train",
        }),
      );
    await writeFile(path.join(dataDir, "slice.jsonl"), `${lines.join("\n")}\n`);
    await medcapJson(["import", "jsonl", path.join(dataDir, "slice.jsonl"), "--dataset", "medpix-slice", "--json"], env);
    await medcapJson(["index", "--json"], env);
    key = (await medcapJson<{ secret: string }>(["keys", "create", "--role", "curator", "--label", "qdrant e2e", "--json"], env)).secret;
    qdrant = await startQdrant({ binary: bin.path, storageDir: qdrantDir });
    qenv = { ...env, MEDCAP_VECTOR_STORE: "qdrant", QDRANT_URL: qdrant.url };
  }, 300_000);

  afterAll(async () => {
    if (server?.child.exitCode === null) {
      server.child.kill("SIGTERM");
      await new Promise((r) => server?.child.once("exit", r));
    }
    await qdrant?.stop();
    await rm(qdrantDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it("switches a folder indexed with the embedded store to Qdrant: vectors restored from Postgres, same answers", async () => {
    const images = lines(await readFile(path.join(dataDir, "slice.jsonl"), "utf8"));
    const report = await medcapJson<{ images: number; captions: number; restored: number }>(["index", "--json"], qenv);
    expect(report.images).toBe(0); // nothing re-encoded
    expect(report.captions).toBe(0);
    expect(report.restored).toBe(images * 2); // one image and one caption vector per record
    const info = await medcapJson<{ vectors: { images: number }; qdrant: { server: string; compatible: boolean } }>(
      ["info", "--json"],
      qenv,
    );
    expect(info.vectors.images).toBe(images);
    expect(info.qdrant).toMatchObject({ server: "1.14.1", compatible: true });
    const embedded = await medcapJson<SearchOut>(["search", "axial CT of the brain", "--k", "10", "--json"], env);
    const onQdrant = await medcapJson<SearchOut>(["search", "axial CT of the brain", "--k", "10", "--json"], qenv);
    expect(onQdrant.images).toHaveLength(10);
    expect(onQdrant.images.map((m) => m.imageId)).toEqual(embedded.images.map((m) => m.imageId));
    expect(onQdrant.images.map((m) => m.score)).toEqual(embedded.images.map((m) => m.score)); // rounded to 1e-4 by the CLI
  }, 300_000);

  it("serves searchImages, captionImage and similarImages with filters from Qdrant", async () => {
    server = await serve(qenv);
    expect((await readyz()).status).toBe(200);
    const mr = await gql<{ searchImages: { score: number; image: { id: string; modality: string } }[] }>(SEARCH, {
      t: "MRI of the brain",
      f: { modalities: [modality] },
    });
    expect(mr.errors).toBeUndefined();
    expect(mr.data?.searchImages.length).toBeGreaterThan(0);
    for (const m of mr.data?.searchImages ?? []) expect(m.image.modality).toBe(modality);
    const first = mr.data?.searchImages[0]?.image.id as string;
    const caption = await gql<{ captionImage: { text: string; score: number }[] }>(
      `query($id: ID!) { captionImage(image: { imageId: $id }, k: 3, filter: { splits: [TRAIN] }) { text score } }`,
      { id: first },
    );
    expect(caption.errors).toBeUndefined();
    expect(caption.data?.captionImage).toHaveLength(3);
    const similar = await gql<{ similarImages: { image: { id: string } }[] }>(
      `query($id: ID!) { similarImages(image: { imageId: $id }, k: 4, excludeSameCase: true) { image { id } } }`,
      { id: first },
    );
    expect(similar.errors).toBeUndefined();
    expect(similar.data?.similarImages.map((m) => m.image.id)).not.toContain(first);
  }, 180_000);

  it("detects a collection lost behind its back, reports it unready, and rebuilds it (new collection, alias swapped)", async () => {
    const before = (await (await fetch(`${qdrant.url}/aliases`)).json()) as {
      result: { aliases: { alias_name: string; collection_name: string }[] };
    };
    const alias = before.result.aliases.find((a) => a.alias_name.startsWith("medcap_"));
    expect(alias).toBeDefined();
    await fetch(`${qdrant.url}/collections/${alias?.collection_name}`, { method: "DELETE" });
    const lost = await gql<unknown>(SEARCH, { t: "brain" });
    expect(lost.errors?.[0]?.extensions.code).toBe("SERVICE_UNAVAILABLE");
    const unready = await readyz();
    expect(unready.status).toBe(503);
    expect(unready.body.checks.vectorStore?.detail).toMatch(/out of step|rebuilding/);
    await eventually("the rebuilt collection", async () => (await readyz()).status === 200);
    const after = (await (await fetch(`${qdrant.url}/aliases`)).json()) as typeof before;
    const swapped = after.result.aliases.find((a) => a.alias_name === alias?.alias_name);
    expect(swapped?.collection_name).not.toBe(alias?.collection_name);
    expect((await gql<{ searchImages: unknown[] }>(SEARCH, { t: "brain" })).data?.searchImages).toHaveLength(5);
  });

  it("answers SERVICE_UNAVAILABLE and is unready while Qdrant is down, and serves again when it returns", async () => {
    const port = Number(new URL(qdrant.url).port);
    await qdrant.stop();
    const down = await gql<unknown>(SEARCH, { t: "brain" });
    expect(down.errors?.[0]?.extensions.code).toBe("SERVICE_UNAVAILABLE");
    const unready = await readyz();
    expect(unready.status).toBe(503);
    expect(unready.body.checks.vectorStore).toMatchObject({ ok: false, detail: expect.stringMatching(/unreachable/) });
    qdrant = await startQdrant({ binary: bin.path, storageDir: qdrantDir, port });
    await eventually("readiness after Qdrant returned", async () => (await readyz()).status === 200);
    const back = await gql<{ searchImages: unknown[] }>(SEARCH, { t: "brain" });
    expect(back.errors).toBeUndefined();
    expect(back.data?.searchImages).toHaveLength(5);
    expect(server?.child.exitCode).toBeNull(); // the same API process throughout
  });
});

const lines = (text: string) => text.split("\n").filter((l) => l.trim()).length;
