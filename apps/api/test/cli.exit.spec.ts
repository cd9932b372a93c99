// A finished command exits on its own: nothing (the schema engine's timers, a pool, PostgreSQL) may
// keep the process alive, and the bin no longer forces an exit to hide it.
import { chmod, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { medcapBin, runCli } from "./cli.run.js";

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-exit-"));
  await chmod(dataDir, 0o755); // the embedded server runs as the postgres user when tests run as root
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("medcap CLI", () => {
  it("exits by itself with code 0 after `stats --json` (embedded PostgreSQL started, migrated, stopped)", async () => {
    const r = await runCli(["stats", "--json"], { MEDCAP_DATA_DIR: dataDir });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ datasets: 0, cases: 0, images: 0, captions: 0 });
  });

  it("runs the compiled bundle, built from the TypeScript sources of the API and @medcap/db", async () => {
    const dist = path.join(path.dirname(medcapBin), "..", "dist");
    expect((await stat(path.join(dist, "medcap.js"))).size).toBeGreaterThan(0);
    const stamp = JSON.parse(await readFile(path.join(dist, "medcap.stamp.json"), "utf8")) as { inputs: Record<string, unknown> };
    expect(Object.keys(stamp.inputs)).toEqual(expect.arrayContaining(["apps/api/src/cli/main.ts", "prisma/src/migrations.ts"]));
  });
});
