// Issue #18 item 8 as an operator meets it: `medcap serve` in its own process, real PostgreSQL, a
// small real MedPix slice, and the two committed models as two versions (A = medcap-base-v2 serving,
// B = medcap-base-v3 to switch to). Activation is refused while B's index is incomplete, a REINDEX
// job indexes B without activating it, activation switches what searches and /readyz report, the CLI
// never changes the active version unless asked, and an activation by another process is followed.
import type { ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { medcap, medcapJson, repoRoot, serve } from "./medcap.process.js";
import { importMedpixSlice, readMedpixDescriptions } from "./medpix.slice.js";

const modelsDir = path.join(repoRoot, "models");
const dirA = path.join(modelsDir, "medcap-base-v2");
const dirB = path.join(modelsDir, "medcap-base-v3");

let dataDir: string;
let env: Record<string, string>;
let server: { url: string; child: ChildProcess; logs: () => string };
let admin: string;
let catalogue: { images: number; captions: number };

type Gql<T> = { data?: T; errors?: { message: string; extensions: { code: string } }[] };
async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<Gql<T>> {
  const res = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Gql<T>;
}

type Readiness = { checks?: Record<string, { ok: boolean; detail?: string }> };
async function readyz(): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(new URL("/readyz", server.url));
  return { status: res.status, body: (await res.json()) as Readiness };
}

async function eventually(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${server.logs().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The model name every hit of a search reports. */
async function searchedModels(): Promise<string[]> {
  const r = await gql<{ searchImages: { modelVersion: { name: string } }[] }>(
    `{ searchImages(text: "axial CT of the liver", k: 3) { modelVersion { name } } }`,
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return [...new Set(r.data.searchImages.map((m) => m.modelVersion.name))];
}

async function versions() {
  const r = await gql<{ modelVersions: { id: string; name: string; active: boolean }[] }>("{ modelVersions { id name active } }");
  const byName = (name: string) => r.data?.modelVersions.find((v) => v.name === name);
  return { a: byName("medcap-base-v2"), b: byName("medcap-base-v3") };
}

async function runJob(mutation: string, variables: Record<string, unknown> = {}) {
  const r = await gql<Record<string, { id: string }>>(mutation, variables);
  const id = Object.values(r.data ?? {})[0]?.id;
  if (!id) throw new Error(JSON.stringify(r.errors));
  let job: { status: string; result: unknown; error: string | null; params: { modelVersionId?: string } } | undefined;
  await eventually(`job ${id}`, async () => {
    job = (await gql<{ job: typeof job }>("query($id: ID!) { job(id: $id) { status result error params } }", { id })).data?.job;
    return job?.status === "SUCCEEDED" || job?.status === "FAILED";
  });
  return job as NonNullable<typeof job>;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-activation-e2e-"));
  await chmod(dataDir, 0o755);
  // A short poll so the cross-process follow is quick to observe; the default is 5 s.
  env = { MEDCAP_DATA_DIR: dataDir, MEDCAP_MODEL_DIR: dirA, MEDCAP_MODELS_DIR: modelsDir, MEDCAP_MODEL_POLL_MS: "300" };
  const descriptions = await readMedpixDescriptions();
  const caseIds = [...new Set(descriptions.map((d) => d.U_id))].slice(0, 5);
  const { index: indexed } = await importMedpixSlice(dataDir, env, { descriptions, caseIds, devEvery: 5, title: (id) => `MedPix ${id}` });
  // The first index of a fresh database: no version is active yet, so A becomes the active one.
  expect(indexed.active).toBe(true);
  catalogue = { images: indexed.images, captions: indexed.captions };
  expect(catalogue.images).toBe(descriptions.filter((d) => caseIds.includes(d.U_id)).length);
  admin = (await medcapJson<{ secret: string }>(["keys", "create", "--role", "admin", "--label", "activation e2e", "--json"], env)).secret;
  server = await serve(env);
}, 300_000);

afterAll(async () => {
  if (server?.child.exitCode === null) {
    server.child.kill("SIGTERM");
    await new Promise((r) => server.child.once("exit", r));
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("model activation on a running server", () => {
  it("serves the active version and reports its vectors on /readyz; the other folder is listed, inactive", async () => {
    expect(await searchedModels()).toEqual(["medcap-base-v2"]);
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.checks?.model?.detail).toContain("medcap-base-v2");
    expect(ready.body.checks?.model?.detail).toContain(`${catalogue.images} image and ${catalogue.captions} caption vectors`);
    const { a, b } = await versions();
    expect(a?.active).toBe(true);
    expect(b?.active).toBe(false);
  });

  it("refuses to activate a version whose index is incomplete, saying what is missing and how to index it", async () => {
    const { b } = await versions();
    const r = await gql("mutation($id: ID!) { activateModelVersion(id: $id) { id } }", { id: b?.id });
    expect(r.errors?.[0]?.extensions.code).toBe("CONFLICT");
    expect(r.errors?.[0]?.message).toContain(`${catalogue.images} images and ${catalogue.captions} captions are not indexed`);
    expect(r.errors?.[0]?.message).toContain("reindex");
    expect((await versions()).b?.active).toBe(false);
    expect(await searchedModels()).toEqual(["medcap-base-v2"]);
  });

  it("indexes the other version with a REINDEX job without activating it, then activation switches searches and /readyz", async () => {
    const { b } = await versions();
    const job = await runJob("mutation($id: ID!) { reindex(modelVersionId: $id) { id } }", { id: b?.id });
    expect(job.error).toBeNull();
    expect(job.result).toMatchObject({ images: catalogue.images });
    expect((await versions()).b?.active).toBe(false);
    expect(await searchedModels()).toEqual(["medcap-base-v2"]);

    const r = await gql<{ activateModelVersion: { name: string; active: boolean } }>(
      "mutation($id: ID!) { activateModelVersion(id: $id) { name active } }",
      { id: b?.id },
    );
    expect(r.data?.activateModelVersion).toEqual({ name: "medcap-base-v3", active: true });
    // The switch is done when the mutation answers: the very next search is B's.
    expect(await searchedModels()).toEqual(["medcap-base-v3"]);
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.checks?.model?.detail).toContain("medcap-base-v3");
    expect(ready.body.checks?.model?.detail).toContain(`${catalogue.images} image and ${catalogue.captions} caption vectors`);
    expect(ready.body.checks?.vectorStore?.ok).toBe(true);

    // Default jobs (no modelVersionId) now work on B.
    const reindex = await runJob("mutation { reindex { id } }");
    expect(reindex).toMatchObject({ status: "SUCCEEDED", params: { modelVersionId: b?.id } });
    const evaluation = await runJob("mutation { runEvaluation(protocol: RETRIEVAL, split: DEV) { id } }");
    expect(evaluation).toMatchObject({ status: "SUCCEEDED", params: { modelVersionId: b?.id } });
  });

  it("the CLI indexes without activating unless asked, and the server follows an activation made by another process", async () => {
    const { a, b } = await versions();
    const indexed = await medcapJson<{ active: boolean; model: { name: string } }>(["index", "--model", dirA, "--json"], env);
    expect(indexed).toMatchObject({ active: false, model: { name: "medcap-base-v2" } });
    expect((await versions()).b?.active).toBe(true);
    expect(await searchedModels()).toEqual(["medcap-base-v3"]);

    const activated = await medcapJson<{ id: string; active: boolean }>(["model", "activate", a?.id as string, "--json"], env);
    expect(activated).toEqual(expect.objectContaining({ id: a?.id, active: true }));
    await eventually("the server to follow the CLI's activation", async () => (await searchedModels())[0] === "medcap-base-v2", 30_000);
    const ready = await readyz();
    expect(ready.body.checks?.model?.detail).toContain("medcap-base-v2");
    expect(ready.status).toBe(200);

    // `medcap index --activate` is the other explicit way.
    const back = await medcapJson<{ active: boolean }>(["index", "--model", dirB, "--activate", "--json"], env);
    expect(back.active).toBe(true);
    await eventually("the server to follow index --activate", async () => (await searchedModels())[0] === "medcap-base-v3", 30_000);
    expect((await versions()).b).toMatchObject({ id: b?.id, active: true });
    // A version id that does not exist is a typed error, not a crash.
    const missing = await medcap(["model", "activate", "no-such-version"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("NOT_FOUND");
  });
});
