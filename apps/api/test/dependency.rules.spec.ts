// The layering rules of .dependency-cruiser.cjs (docs/architecture.md), run on every test run: the
// sources obey them, and a fixture with one planted violation per rule shows that each rule fires
// (a typo in a path pattern would otherwise pass everything silently). Through the API, not the
// depcruise CLI, so the check also runs where the CLI refuses the Node version.
import path from "node:path";
import { cruise, type IViolation } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { describe, expect, it } from "vitest";

const API_ROOT = path.resolve(import.meta.dirname, "..");
const CONFIG = path.join(API_ROOT, ".dependency-cruiser.cjs");
const FIXTURE = path.join(import.meta.dirname, "fixtures", "layering");

/** Violations of the rules when cruising `src` of the given folder (paths are relative to it). */
async function violations(baseDir: string): Promise<IViolation[]> {
  const options = await extractDepcruiseOptions(CONFIG);
  const result = await cruise(["src"], { ...options, baseDir, validate: true }, undefined, {
    tsConfig: extractTSConfig(path.join(API_ROOT, "tsconfig.json")),
  });
  if (typeof result.output === "string") throw new Error("expected a cruise result, got reporter text");
  return result.output.summary.violations;
}

const show = (v: IViolation) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(" → ")})` : ""}`;

describe("dependency rules (.dependency-cruiser.cjs)", () => {
  it("hold for apps/api/src", async () => {
    expect((await violations(API_ROOT)).map(show)).toEqual([]);
  }, 120_000);

  it("catch every kind of planted violation", async () => {
    const found = (await violations(FIXTURE)).map(show);
    const fired = (rule: string, from: string, to: string) => found.some((f) => f.startsWith(`${rule}: ${from} → ${to}`));
    expect(fired("layer-search", "src/search/z.service.ts", "src/eval/metric.ts")).toBe(true);
    expect(fired("serving-never-imports-eval", "src/search/z.service.ts", "src/eval/metric.ts")).toBe(true);
    expect(fired("no-circular", "src/core/a.ts", "src/core/b.ts") || fired("no-circular", "src/core/b.ts", "src/core/a.ts")).toBe(true);
    expect(fired("layer-gpu", "src/gpu/parity.ts", "src/encoders/encode.ts")).toBe(true);
    expect(fired("gpu-does-not-import-encoders", "src/gpu/parity.ts", "src/encoders/encode.ts")).toBe(true);
    expect(fired("cli-and-server-construct-nothing", "src/cli/command.ts", "src/search/z.service.ts")).toBe(true);
    expect(fired("layer-curation", "src/curation/curate.ts", "src/app/root.ts")).toBe(true);
    expect(fired("only-cli-imports-app", "src/curation/curate.ts", "src/app/root.ts")).toBe(true);
    // What the rules allow stays allowed: the CLI may import the composition root.
    expect(found.filter((f) => f.includes("src/cli/command.ts → src/app/root.ts"))).toEqual([]);
  }, 120_000);
});
