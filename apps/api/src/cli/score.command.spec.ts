import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { isMedcapError } from "../core/errors.js";
import { CAPTION_METRICS_FIXTURE } from "../eval/fixture.paths.js";
import { CAPTION_METRIC_NAMES, type CaptionItem } from "../scoring/caption.scorer.js";
import { runScoreCommand } from "./score.command.js";

interface FixtureCase {
  name: string;
  items: CaptionItem[];
  expected: Record<string, number>;
}
const fixture = JSON.parse(readFileSync(CAPTION_METRICS_FIXTURE, "utf8")) as {
  cases: FixtureCase[];
};
const dir = mkdtempSync(join(tmpdir(), "medcap-score-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeInput(name: string, data: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof data === "string" ? data : JSON.stringify(data));
  return file;
}

async function run(file: string, json: boolean, meteorParaphraseTable?: string): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await runScoreCommand(file, { json, meteorParaphraseTable }, out);
  return Buffer.concat(chunks).toString("utf8");
}

async function failure(file: string): Promise<string> {
  try {
    await run(file, true);
  } catch (err) {
    expect(isMedcapError(err) && err.code).toBe("BAD_USER_INPUT");
    return (err as Error).message;
  }
  throw new Error("expected runScoreCommand to reject");
}

describe("runScoreCommand", () => {
  for (const testCase of fixture.cases) {
    it(`--json reproduces the fixture values of ${testCase.name}`, async () => {
      const file = writeInput(`${testCase.name}.json`, testCase.items);
      const printed = JSON.parse(await run(file, true)) as Record<string, number>;
      expect(Object.keys(printed)).toEqual([...CAPTION_METRIC_NAMES]);
      for (const name of ["BLEU_1", "BLEU_2", "BLEU_3", "BLEU_4", "ROUGE_L", "CIDEr"]) {
        const expected = testCase.expected[name];
        if (expected === undefined) continue;
        expect(Math.abs((printed[name] ?? Number.NaN) - expected)).toBeLessThan(1e-4);
      }
      if (testCase.expected.METEOR !== undefined) {
        // no paraphrase table: see meteor.metric.ts and caption.scorer.spec.ts
        expect(Math.abs((printed.METEOR ?? Number.NaN) - testCase.expected.METEOR)).toBeLessThan(0.015);
      }
    });
  }

  it("prints an aligned table without --json", async () => {
    const file = writeInput("table.json", fixture.cases[0]?.items);
    const lines = (await run(file, false)).trimEnd().split("\n");
    expect(lines[0]).toMatch(/^metric\s+score$/);
    expect(lines.slice(1, 8).map((l) => l.split(/\s+/)[0])).toEqual([...CAPTION_METRIC_NAMES]);
    expect(new Set(lines.slice(1, 8).map((l) => l.length)).size).toBe(1);
    expect(lines[1]).toMatch(/0\.800000$/);
    expect(lines[8]).toBe("1 items");
  });

  it("uses a METEOR paraphrase table when given one", async () => {
    const table = join(dir, "paraphrase-en.gz");
    writeFileSync(table, gzipSync("0.5\nzzq\nyyx\n"));
    const file = writeInput("para.json", [{ id: "1", candidate: "zzq mass", references: ["yyx mass"] }]);
    const without = JSON.parse(await run(file, true)) as Record<string, number>;
    const withTable = JSON.parse(await run(file, true, table)) as Record<string, number>;
    expect(withTable.METEOR).toBeGreaterThan(without.METEOR ?? 1);
    expect(withTable.BLEU_1).toBe(without.BLEU_1);
    await expect(run(file, true, join(dir, "nope.gz"))).rejects.toThrow(/cannot read paraphrase table/);
  });

  it("names the bad entry by position and id", async () => {
    const file = writeInput("bad.json", [
      { id: "ok", candidate: "a b", references: ["a b"] },
      { id: "broken", candidate: "a b", references: [] },
    ]);
    expect(await failure(file)).toMatch(/entry 1 \(id "broken"\).*references.*at least one/);
  });

  it("rejects a missing candidate, a non-array, bad JSON and repeated ids", async () => {
    expect(await failure(writeInput("nocand.json", [{ id: 3, references: ["x"] }]))).toMatch(/entry 0 \(id 3\).*candidate/);
    expect(await failure(writeInput("object.json", { id: "1" }))).toMatch(/JSON array/);
    expect(await failure(writeInput("broken.json", "[{"))).toMatch(/not valid JSON/);
    expect(
      await failure(
        writeInput("dup.json", [
          { id: 1, candidate: "a", references: ["a"] },
          { id: "1", candidate: "b", references: ["b"] },
        ]),
      ),
    ).toMatch(/entry 1 repeats id "1" of entry 0/);
    expect(await failure(join(dir, "missing.json"))).toMatch(/cannot read/);
  });
});
