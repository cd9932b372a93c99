import { describe, expect, it } from "vitest";
import { anatomyTrends } from "./anatomy";
import { baselines, headlines } from "./metrics";

const figure = (value: number | null, floor: number | null, n: number) => ({ value, floor, n });
// What a caption-library run stores (apps/api/src/eval/evaluation.service.ts), anatomy agreement included.
const captionLibrary = {
  model: { BLEU_4: 0.013, CIDEr: 0.08 },
  random: { BLEU_4: 0.007, CIDEr: 0.021 },
  oracle: { BLEU_4: 0.079, CIDEr: 0.674 },
  anatomy: {
    basis: "the first provenance image of each ranked caption",
    top1: {
      regionRaw: figure(0.63, 0.2, 197),
      regionGrouped: figure(0.69, 0.3, 197),
      modality: figure(0.9, 0.5, 197),
      plane: figure(null, null, 0),
    },
    allOfTop5: { regionGrouped: figure(0.4, 0.01, 197), modality: figure(0.7, 0.03, 197), plane: figure(0.2, 0.02, 150) },
  },
};

describe("anatomy agreement in the evaluation headlines", () => {
  it("shows each figure known for the run after the caption metrics, its floor as the random baseline", () => {
    const heads = headlines(captionLibrary);
    expect(heads.map((h) => h.label)).toEqual([
      "BLEU-4",
      "CIDEr",
      "Region@1",
      "Region raw@1",
      "Modality@1",
      "Region all@5",
      "Modality all@5",
      "Plane all@5",
    ]);
    expect(heads.find((h) => h.label === "Region@1")?.value).toBe(0.69);
    const [random, oracle] = baselines(captionLibrary, heads);
    expect(random).toEqual({ name: "random", values: [0.007, 0.021, 0.3, 0.2, 0.5, 0.01, 0.03, 0.02] });
    expect(oracle?.values.slice(2)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it("trends each figure per protocol and split, oldest run first, skipping runs without anatomy", () => {
    const run = (startedAt: string, regionGrouped: number | null) => ({
      protocol: "caption-library",
      split: "DEV",
      startedAt,
      modelVersion: { version: "2" },
      anatomy:
        regionGrouped === null
          ? null
          : { ...captionLibrary.anatomy, top1: { ...captionLibrary.anatomy.top1, regionGrouped: figure(regionGrouped, 0.3, 197) } },
    });
    const trends = anatomyTrends([run("2026-03-02", 0.7), run("2026-03-01", 0.6), run("2026-02-01", null)], (r) => r.startedAt);
    const region = trends.find((t) => t.label === "Region@1 (grouped)");
    expect(region?.points).toEqual([
      { label: "2026-03-01", value: 0.6, floor: 0.3, n: 197 },
      { label: "2026-03-02", value: 0.7, floor: 0.3, n: 197 },
    ]);
    expect(trends.map((t) => t.label)).not.toContain("Plane@1"); // no query had a plane: nothing to chart
  });
});
