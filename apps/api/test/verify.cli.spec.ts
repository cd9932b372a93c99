// `medcap verify` as a user meets it: the real CLI on a fresh data folder (embedded PostgreSQL, the
// committed model): exit 0 on a complete index, 1 with the counts when a vector is missing, and
// `--repair` re-indexes it.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.js";
import { openAppContext } from "../src/app/app.context.js";
import { syntheticPng } from "./app.fixture.js";
import { runCli } from "./cli.run.js";

let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-verify-"));
  await chmod(dataDir, 0o755); // the embedded server runs as the postgres user when tests run as root
  env = { MEDCAP_DATA_DIR: dataDir, MEDCAP_BATCH_MAX: "2" };
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs SQL on the data folder's database, starting its embedded server in this process meanwhile. */
async function sql(query: string): Promise<void> {
  const ctx = await openAppContext(loadConfig({ ...process.env, MEDCAP_LOG_LEVEL: "warn", ...env }));
  try {
    await ctx.db.prisma.$executeRawUnsafe(query);
  } finally {
    await ctx.close();
  }
}

describe("medcap verify (CLI)", () => {
  it("exits 0 when complete, 1 with counts when a vector is missing, and --repair re-indexes it", async () => {
    const lines: string[] = [];
    for (const i of [0, 1]) {
      await writeFile(path.join(dataDir, `v${i}.png`), await syntheticPng(i));
      lines.push(JSON.stringify({ id: `v${i}`, image: `v${i}.png`, caption: `verify caption ${i}`, modality: "CT" }));
    }
    const file = path.join(dataDir, "verify.jsonl");
    await writeFile(file, `${lines.join("\n")}\n`);
    const imported = await runCli(["import", "jsonl", file, "--json"], env);
    expect(imported.code, imported.stderr).toBe(0);
    const indexed = await runCli(["index", "--json"], env);
    expect(indexed.code, indexed.stderr).toBe(0);

    const ok = await runCli(["verify", "--json"], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, problems: 0, kinds: { IMAGE: { expected: 2 }, CAPTION: { expected: 2 } } });

    // The embedded store is filled from Postgres at start, so a lost Postgres row is missing in both.
    await sql(`delete from "Embedding" where kind = 'IMAGE' and "targetId" = (select id from "Image" where "externalId" = 'v0')`);
    const broken = await runCli(["verify", "--json"], env);
    expect(broken.code, broken.stderr).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, kinds: { IMAGE: { postgres: { missing: 1, stale: 0, extra: 0 } } } });
    const text = await runCli(["verify"], env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/image\s+postgres\s+expected 2 {2}missing 1 {2}stale 0 {2}extra 0/);

    const repaired = await runCli(["verify", "--repair", "--json"], env);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(JSON.parse(repaired.stdout)).toMatchObject({ ok: false, repaired: { ok: true, problems: 0 } });
    expect((await runCli(["verify"], env)).code).toBe(0);
  }, 300_000);
});
