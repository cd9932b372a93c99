// medcap audit captions as a user meets it: the real CLI over real MedPix 2.0 in a fresh data folder,
// text and metadata rules only (indexing the library would take minutes), JSON as documented.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./cli.run.js";
import { requireMedpix } from "./medpix.paths.js";

let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-audit-"));
  await chmod(dataDir, 0o755);
  env = { MEDCAP_DATA_DIR: dataDir };
  const imported = await runCli(["import", "medpix", requireMedpix()], env);
  expect(imported.code, imported.stderr).toBe(0);
}, 180_000);
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("medcap audit captions (CLI, real data)", () => {
  it("lists MedPix's template leftovers first, in the documented JSON shape, and re-checks nothing the second time", async () => {
    const first = await runCli(["audit", "captions", "--no-model", "--json", "--limit", "25"], env);
    expect(first.code, first.stderr).toBe(0);
    const list = JSON.parse(first.stdout) as {
      captionId: string;
      text: string;
      score: number;
      reasons: { code: string; detail: string }[];
      images: { id: string; externalId: string; case: string }[];
    }[];
    expect(list).toHaveLength(25);
    expect(Object.keys(list[0] ?? {}).sort()).toEqual(["captionId", "images", "reasons", "score", "text"]);
    expect(list[0]?.text).toBe("Replace this - DESCRIPTION OF THE IMAGE OR FINDINGS.");
    expect(list[0]?.reasons[0]).toEqual({ code: "PLACEHOLDER", detail: expect.stringContaining("template") });
    expect(list[0]?.images).toEqual([
      { id: expect.any(String), externalId: expect.stringMatching(/^MPX\d+_synpic\d+$/), case: expect.stringMatching(/^MPX\d+$/) },
    ]);
    const scores = list.map((s) => s.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    const again = await runCli(["audit", "captions", "--no-model", "--reason", "FIGURE_NUMBER", "--min-score", "0.5"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/audited 1850 captions \(0 checked, 1850 unchanged\)/);
    expect(again.stdout).toContain("CT image 4");
    expect((await runCli(["audit", "captions", "--no-model", "--split", "nope"], env)).code).toBe(2);
  }, 120_000);
});
