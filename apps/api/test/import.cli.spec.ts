// The importer as a user meets it: the real CLI, real MedPix 2.0, embedded PostgreSQL, SIGKILL.
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "./cli.run.js";
import { requireMedpix } from "./medpix.paths.js";

let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-cli-"));
  await chmod(dataDir, 0o755);
  env = { MEDCAP_DATA_DIR: dataDir };
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function caseCount(): Promise<number> {
  try {
    const owner = JSON.parse(await readFile(path.join(dataDir, "postgres-owner.json"), "utf8")) as { port: number };
    const client = new pg.Client({ connectionString: `postgresql://postgres:medcap@127.0.0.1:${owner.port}/medcap` });
    await client.connect();
    try {
      return Number((await client.query('select count(*) as n from "Case"')).rows[0].n);
    } finally {
      await client.end();
    }
  } catch {
    return 0;
  }
}

async function stats() {
  const r = await runCli(["stats", "--json"], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe("medcap import medpix (CLI, real data)", () => {
  it("survives SIGKILL halfway: a re-run yields exactly the counts of an uninterrupted import", async () => {
    const medpix = requireMedpix();
    const { child, done } = startCli(["import", "medpix", medpix], env);
    const deadline = Date.now() + 120_000;
    let seen = 0;
    while (Date.now() < deadline && (seen = await caseCount()) < 120) await new Promise((r) => setTimeout(r, 150));
    expect(seen, "the import never reached 120 cases").toBeGreaterThanOrEqual(120);

    // A second process attaches to the running embedded server instead of corrupting it.
    const during = await stats();
    expect(during.cases).toBeGreaterThan(0);

    child.kill("SIGKILL");
    const killed = await done;
    expect(killed.signal).toBe("SIGKILL");
    const partial = await stats(); // takes over the orphaned server cleanly
    expect(partial.cases).toBeLessThan(602);

    const rerun = await runCli(["import", "medpix", medpix, "--json"], env);
    expect(rerun.code, rerun.stderr).toBe(0);
    const report = JSON.parse(rerun.stdout);
    expect(report.cases.imported + report.cases.alreadyPresent).toBe(602);

    const s = await stats();
    expect(s).toMatchObject({
      datasets: 1,
      cases: 602,
      images: 1850,
      captions: 1850,
      bySplit: { train: { cases: 535, images: 1653, captions: 1653 }, dev: { cases: 67, images: 197, captions: 197 } },
      byModality: { CT: 962, MR: 888 },
    });

    const again = await runCli(["import", "medpix", medpix, "--json"], env);
    expect(JSON.parse(again.stdout).cases).toEqual({ imported: 0, alreadyPresent: 602, invalid: 0 });
    expect(await stats()).toEqual(s);
  }, 300_000);

  it("explains a wrong directory with a typed error and exit code 2", async () => {
    const r = await runCli(["import", "medpix", path.join(dataDir, "nowhere")], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[BAD_USER_INPUT\]: no MedPix 2\.0 layout/);
  });

  it("documents every command in --help", async () => {
    const r = await runCli(["--help"], env);
    expect(r.stdout).toMatch(/import/);
    expect(r.stdout).toMatch(/stats/);
    const sub = await runCli(["import", "medpix", "--help"], env);
    expect(sub.stdout).toMatch(/--strict/);
  });
});
