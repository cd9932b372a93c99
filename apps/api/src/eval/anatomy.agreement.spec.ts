import { describe, expect, it } from "vitest";
import { type AnatomyAttrs, anatomyAgreement, anatomyAttrs, readAnatomyAgreement } from "./anatomy.agreement.js";

const medpix = (locationCategory: string | null, modality: string, plane: string | null): AnatomyAttrs =>
  anatomyAttrs({ dataset: "medpix-2.0", locationCategory, modality, plane });

// A library of four captions, each with its first image. Abdomen and Reproductive/Urinary are one region grouped.
const abdomenCtAxial = medpix("Abdomen", "CT", "Axial");
const urinaryCtCoronal = medpix("Reproductive and Urinary System", "CT", "Coronal");
const brainMrAxial = medpix("Brain and Neuro", "MR", "Axial");
const brainMrSagittal = medpix("Brain and Neuro", "MR", "Sagittal");
const library = [abdomenCtAxial, urinaryCtCoronal, brainMrAxial, brainMrSagittal];

describe("anatomyAttrs", () => {
  it("groups regions per dataset and treats blank values as unknown", () => {
    expect(medpix("Reproductive and Urinary System", "CT", " ")).toEqual({
      regionRaw: "Reproductive and Urinary System",
      regionGrouped: "Abdomen and Pelvis",
      modality: "CT",
      plane: null,
    });
    // A dataset without a grouping table keeps its categories apart.
    expect(anatomyAttrs({ dataset: "roco", locationCategory: "Abdomen", modality: "CT", plane: "Axial" }).regionGrouped).toBe("Abdomen");
    expect(medpix(null, "MR", "Axial")).toMatchObject({ regionRaw: null, regionGrouped: null });
  });
});

describe("anatomyAgreement (caption-library: first provenance images of the ranked captions)", () => {
  const result = anatomyAgreement(
    [
      // An abdominal CT captioned from a genitourinary case: wrong region raw, right region grouped, wrong plane.
      { attrs: abdomenCtAxial, ranked: [urinaryCtCoronal, abdomenCtAxial, urinaryCtCoronal, abdomenCtAxial, abdomenCtAxial] },
      // A brain MR with no plane recorded: left out of the plane's denominator; its fifth result has no image.
      { attrs: medpix("Brain and Neuro", "MR", null), ranked: [brainMrAxial, brainMrSagittal, brainMrAxial, brainMrSagittal, null] },
    ],
    library,
    { basis: "first provenance image of each caption", allOfTop5: true },
  );

  it("top-1: raw and grouped regions differ where the grouping merges categories", () => {
    expect(result.top1.regionRaw).toEqual({ value: 0.5, floor: 0.375, n: 2 }); // floors 1/4 (Abdomen) and 2/4 (Brain)
    expect(result.top1.regionGrouped).toEqual({ value: 1, floor: 0.5, n: 2 }); // Abdomen and Pelvis: 2 of 4
    expect(result.top1.modality).toEqual({ value: 1, floor: 0.5, n: 2 });
    expect(result.top1.plane).toEqual({ value: 0, floor: 0.5, n: 1 }); // the query without a plane is not counted
  });

  it("all of the top 5: every first image must agree; a missing one disagrees; floor p^5", () => {
    expect(result.allOfTop5?.regionGrouped).toEqual({ value: 0.5, floor: 0.03125, n: 2 });
    expect(result.allOfTop5?.modality).toEqual({ value: 0.5, floor: 0.03125, n: 2 });
    expect(result.allOfTop5?.plane).toEqual({ value: 0, floor: 0.03125, n: 1 });
    expect(result.allOfTop5).not.toHaveProperty("regionRaw");
  });

  it("fewer than 5 results never count as all of the top 5", () => {
    const short = anatomyAgreement([{ attrs: abdomenCtAxial, ranked: [abdomenCtAxial, abdomenCtAxial] }], library, {
      basis: "",
      allOfTop5: true,
    });
    expect(short.top1.modality.value).toBe(1);
    expect(short.allOfTop5?.modality.value).toBe(0);
  });

  it("reports n = 0 with null value and floor when no query has the attribute", () => {
    const none = anatomyAgreement([{ attrs: medpix(null, "CT", null), ranked: [abdomenCtAxial] }], library, { basis: "" });
    expect(none.top1.plane).toEqual({ value: null, floor: null, n: 0 });
    expect(none.top1.regionGrouped).toEqual({ value: null, floor: null, n: 0 });
    expect(none.allOfTop5).toBeUndefined();
  });
});

describe("anatomyAgreement (retrieval: the nearest other image of the split)", () => {
  it("leaves the query itself out of its floor's pool", () => {
    const a = medpix("Abdomen", "CT", "Axial");
    const b = medpix("Reproductive and Urinary System", "CT", "Axial");
    const c = medpix("Brain and Neuro", "MR", "Axial");
    const result = anatomyAgreement(
      [
        { attrs: a, ranked: [b], inPool: true },
        { attrs: c, ranked: [a], inPool: true },
      ],
      [a, b, c],
      { basis: "nearest other image" },
    );
    // a: no other Abdomen image (0/2), one other abdomen-and-pelvis image (1/2); c: no other brain, no other MR, both others axial.
    expect(result.top1.regionRaw).toEqual({ value: 0, floor: 0, n: 2 });
    expect(result.top1.regionGrouped).toEqual({ value: 0.5, floor: 0.25, n: 2 });
    expect(result.top1.modality).toEqual({ value: 0.5, floor: 0.25, n: 2 });
    expect(result.top1.plane).toEqual({ value: 1, floor: 1, n: 2 });
  });
});

describe("readAnatomyAgreement", () => {
  it("reads back what a run stored, and null for runs without anatomy figures", () => {
    const stored = anatomyAgreement([{ attrs: abdomenCtAxial, ranked: [abdomenCtAxial] }], library, { basis: "nearest other image" });
    expect(readAnatomyAgreement(JSON.parse(JSON.stringify({ imageToText: { R1: 0.1 }, anatomy: stored })))).toEqual(stored);
    expect(readAnatomyAgreement({ cider: 0.1 })).toBeNull();
    expect(readAnatomyAgreement(null)).toBeNull();
    expect(readAnatomyAgreement({ anatomy: { top1: { modality: { value: 1 } } } })).toBeNull();
  });
});
