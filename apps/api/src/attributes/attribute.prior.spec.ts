import { describe, expect, it } from "vitest";
import { type AttributeLayout, attributeOf, readAttributes, REGION_GROUP } from "./attribute.prediction.js";
import { agrees, categoriesOf, contradicted, DEMOTE, penaltyFor, restrictionFor } from "./attribute.prior.js";

// The layout the toolkit's add-heads writes: one softmax per head, concatenated.
const spec: AttributeLayout = {
  output: "attributes",
  width: 9,
  heads: [
    { name: "modality", labels: ["CT", "MR"], offset: 0 },
    { name: "region", labels: ["Abdomen", "Head", "Reproductive and Urinary System", "Thorax"], offset: 2 },
    { name: "plane", labels: ["Axial", "Coronal", "Sagittal"], offset: 6 },
  ],
  regionGroups: { Abdomen: "Abdomen and Pelvis", "Reproductive and Urinary System": "Abdomen and Pelvis" },
};
const row = (values: number[]) => Float32Array.from(values);
const groups = spec.regionGroups ?? {};

describe("readAttributes", () => {
  it("reads each head's softmax at its offset and sums regions that share anatomy into a group", () => {
    const preds = readAttributes(row([0.1, 0.9, 0.45, 0.05, 0.4, 0.1, 0.7, 0.2, 0.1]), spec);
    expect(preds.map((p) => p.attribute)).toEqual(["modality", "region", REGION_GROUP, "plane"]);
    expect(attributeOf(preds, "modality")).toMatchObject({ label: "MR", probability: expect.closeTo(0.9, 6) });
    // raw: Abdomen 0.45 beats Reproductive 0.40; grouped, the two sum to 0.85
    expect(attributeOf(preds, "region")).toMatchObject({ label: "Abdomen", probability: expect.closeTo(0.45, 6) });
    const group = attributeOf(preds, REGION_GROUP);
    expect(group).toMatchObject({ label: "Abdomen and Pelvis", probability: expect.closeTo(0.85, 6) });
    expect(group?.alternatives.map((a) => a.label)).toEqual(["Abdomen and Pelvis", "Thorax", "Head"]);
    expect(attributeOf(preds, "plane")?.alternatives).toHaveLength(3);
  });
});

describe("attribute prior", () => {
  const preds = readAttributes(row([0.02, 0.98, 0.01, 0.95, 0.01, 0.03, 0.6, 0.3, 0.1]), spec);
  const head = { dataset: "medpix-2.0", locationCategory: "Head", modality: "MR" };
  const liverCt = { dataset: "medpix-2.0", locationCategory: "Abdomen", modality: "CT" };
  const headCt = { dataset: "medpix-2.0", locationCategory: "Head", modality: "CT" };

  it("restricts on confident region group and modality only, and says so", () => {
    const r = restrictionFor(preds, { threshold: 0.9, penalty: 0.1 }, groups);
    expect(r?.constraints.map((c) => `${c.attribute}=${c.label}`)).toEqual(["regionGroup=Head", "modality=MR"]);
    expect(r?.summary).toBe("restricted to Head · MR (p = 0.95 / 0.98)");
    expect(restrictionFor(preds, { threshold: 0.97, penalty: 0.1 })?.summary).toBe("restricted to MR (p = 0.98)");
    expect(restrictionFor(preds, { threshold: 0.99, penalty: 0.1 })).toBeNull();
    expect(restrictionFor(preds, null)).toBeNull();
    expect(restrictionFor(null, { threshold: 0.5, penalty: 0.1 })).toBeNull();
  });

  it("a candidate contradicts an attribute only when none of its images carries the predicted value", () => {
    const r = restrictionFor(preds, { threshold: 0.9, penalty: 0.1 }, groups);
    expect(contradicted(r, [head])).toEqual([]);
    expect(contradicted(r, [liverCt])).toEqual(["regionGroup", "modality"]);
    expect(contradicted(r, [headCt])).toEqual(["modality"]);
    expect(contradicted(r, [liverCt, head])).toEqual([]); // one agreeing image is enough
    expect(contradicted(r, [])).toEqual(["regionGroup", "modality"]);
    expect(penaltyFor(r, ["regionGroup", "modality"])).toBeCloseTo(0.2, 9);
    expect(penaltyFor(r, [])).toBe(0);
    expect(agrees(r, head)).toBe(true);
    expect(agrees(r, headCt)).toBe(false);
  });

  it("groups regions that share anatomy: a Reproductive/Urinary image agrees with an Abdomen prediction", () => {
    const abdomen = readAttributes(row([0.99, 0.01, 0.6, 0.01, 0.38, 0.01, 1, 0, 0]), spec);
    const r = restrictionFor(abdomen, { threshold: 0.9, penalty: null }, groups);
    expect(r?.summary).toBe("restricted to Abdomen and Pelvis · CT (p = 0.98 / 0.99)");
    expect(contradicted(r, [{ dataset: "medpix-2.0", locationCategory: "Reproductive and Urinary System", modality: "CT" }])).toEqual([]);
    // the grouping is the model's (its label space), whatever the catalogue's dataset is called
    expect(
      contradicted(r, [{ dataset: "a-hospital-export", locationCategory: "Reproductive and Urinary System", modality: "CT" }]),
    ).toEqual([]);
    // without a grouping nothing merges
    const ungrouped = restrictionFor(abdomen, { threshold: 0.9, penalty: null });
    expect(
      contradicted(ungrouped, [{ dataset: "medpix-2.0", locationCategory: "Reproductive and Urinary System", modality: "CT" }]),
    ).toEqual(["regionGroup"]);
    expect(categoriesOf(r as NonNullable<typeof r>, "Abdomen and Pelvis").sort()).toEqual([
      "Abdomen",
      "Abdomen and Pelvis",
      "Reproductive and Urinary System",
    ]);
    expect(penaltyFor(r, ["regionGroup"])).toBe(DEMOTE);
  });
});
