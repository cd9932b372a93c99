// A first start with no MedPix copy and no network: the API must say where it looked and how to
// point MEDPIX_DIR at a copy, and still serve (an empty catalogue), ready and answering.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { removeRelocatedCluster } from "@medcap/db";
import { afterAll, expect, it } from "vitest";
import { medcapJson, serve } from "./medcap.process.js";

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

it("starts on an empty catalogue, ready, with a notice that names where it looked and MEDPIX_DIR", async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-first-"));
  cleanup.push(async () => {
    // As root under a private tmp folder the cluster lives outside the data folder: remove it too.
    await removeRelocatedCluster(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  });
  const missing = path.join(dataDir, "no-medpix-here");
  const env = {
    MEDCAP_DATA_DIR: dataDir,
    MEDCAP_AUTO_IMPORT: "true",
    MEDPIX_DIR: missing,
    // No network in this test, whatever the machine has: the download fails at once.
    MEDCAP_MEDPIX_DOWNLOAD_URL: "http://127.0.0.1:9/medpix.tar.gz",
  };
  const server = await serve(env);
  cleanup.push(async () => {
    server.child.kill("SIGTERM");
    await new Promise((r) => server.child.once("exit", r));
  });
  const res = await fetch(new URL("/readyz", server.url));
  const body = (await res.json()) as { status: string; notices?: string[] };
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.notices?.join(" ")).toContain(missing);
  expect(body.notices?.join(" ")).toContain("MEDPIX_DIR");
  expect(body.notices?.join(" ")).toContain("npx medcap import medpix");
  expect(server.logs()).toContain("MedPix 2.0 was not found");
  const stats = await medcapJson<{ cases: number }>(["stats", "--json"], env);
  expect(stats.cases).toBe(0);
}, 180_000);

it("without MEDPIX_DIR looks for no local copy: the shared-folder default is npm start's, not the API's", async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-first-"));
  cleanup.push(async () => {
    await removeRelocatedCluster(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  });
  // An empty value counts as unset (CI sets MEDPIX_DIR for the other tests).
  const env = {
    MEDCAP_DATA_DIR: dataDir,
    MEDCAP_AUTO_IMPORT: "true",
    MEDPIX_DIR: "",
    MEDCAP_MEDPIX_DOWNLOAD_URL: "http://127.0.0.1:9/medpix.tar.gz",
  };
  const server = await serve(env);
  cleanup.push(async () => {
    server.child.kill("SIGTERM");
    await new Promise((r) => server.child.once("exit", r));
  });
  const body = (await (await fetch(new URL("/readyz", server.url))).json()) as { status: string; notices?: string[] };
  const notices = body.notices?.join(" ") ?? "";
  expect(notices).toContain("MEDPIX_DIR is not set");
  expect(notices).not.toContain(path.join("shared", "data", "medpix-2.0"));
  expect((await medcapJson<{ cases: number }>(["stats", "--json"], env)).cases).toBe(0);
}, 180_000);
