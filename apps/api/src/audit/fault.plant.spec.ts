import { describe, expect, it } from "vitest";
import type { DatasetReadResult } from "../ingest/case.record.js";
import { measurePlanted, plantFaults } from "./fault.plant.js";

const CAPTIONS: Record<string, string[]> = {
  Head: ["Ring-enhancing lesion in the right frontal lobe", "Subdural hematoma along the left convexity"],
  Thorax: ["Spiculated mass in the right upper lobe of the lung", "Large left pleural effusion with atelectasis"],
  Abdomen: ["Hypodense lesion in the liver with rim enhancement", "Dilated small bowel loops with air-fluid levels"],
};

function dataset(): DatasetReadResult {
  let n = 0;
  return {
    dataset: { name: "medpix-2.0", source: "test" },
    problems: [],
    cases: Object.entries(CAPTIONS).flatMap(([region, captions]) =>
      [0, 1, 2].map((c) => ({
        externalId: `${region}-${c}`,
        split: "TRAIN" as const,
        images: captions.map((caption, i) => ({
          externalId: `${region}-${c}-${i}-${n++}`,
          file: "/dev/null",
          caption: `${caption} (${c})`,
          modality: i % 2 ? ("MR" as const) : ("CT" as const),
          locationCategory: region,
        })),
      })),
    ),
  };
}

describe("plantFaults", () => {
  it("plants the asked-for faults, each on a distinct image, reproducibly, leaving the input alone", () => {
    const input = dataset();
    const before = JSON.stringify(input);
    const a = plantFaults(input, { swappedPairs: 2, junk: 2, otherModality: 2 }, 7);
    expect(JSON.stringify(input)).toBe(before);
    expect(a.faults.map((f) => f.kind).sort()).toEqual([
      "JUNK",
      "JUNK",
      "OTHER_MODALITY",
      "OTHER_MODALITY",
      "SWAPPED_REGION",
      "SWAPPED_REGION",
      "SWAPPED_REGION",
      "SWAPPED_REGION",
    ]);
    expect(new Set(a.faults.map((f) => f.imageExternalId)).size).toBe(a.faults.length);
    expect(plantFaults(input, { swappedPairs: 2, junk: 2, otherModality: 2 }, 7).faults).toEqual(a.faults);
    const images = new Map(a.dataset.cases.flatMap((c) => c.images.map((i) => [i.externalId, i])));
    for (const f of a.faults) expect(images.get(f.imageExternalId)?.caption).toBe(f.planted);
  });

  it("measures recall within the first k and precision", () => {
    const faults = [
      { imageExternalId: "a", kind: "JUNK" as const, original: "", planted: "" },
      { imageExternalId: "b", kind: "SWAPPED_REGION" as const, original: "", planted: "" },
    ];
    const m = measurePlanted(["a", "x", "b"], faults, [1, 3]);
    expect(m.recall[0]).toMatchObject({ kind: "ALL", planted: 2, found: { 1: 1, 3: 2 }, recall: { 1: 0.5, 3: 1 } });
    expect(m.precision).toEqual({ 1: 1, 3: 2 / 3 });
  });
});
