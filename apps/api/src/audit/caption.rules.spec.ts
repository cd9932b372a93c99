import { describe, expect, it } from "vitest";
import { agreementReasons, disagreement, predictedAttributeReasons } from "./caption.agreement.js";
import { duplicateReasons } from "./caption.duplicate.js";
import { junkReasons } from "./caption.junk.js";
import { anatomyReasons, type ImageFacts, metadataReasons, modalityReasons, planeReasons, sequenceReasons } from "./caption.metadata.js";
import { combineReasons } from "./suspicion.reason.js";

const codes = (rs: { code: string }[]) => rs.map((r) => r.code);
const ctBrain: ImageFacts = {
  dataset: "medpix-2.0",
  modality: "CT",
  modalityDetail: "CT - noncontrast",
  plane: "Axial",
  locationCategory: "Head",
};
const mrKnee: ImageFacts = {
  dataset: "medpix-2.0",
  modality: "MR",
  modalityDetail: "MR - T2 weighted",
  plane: "Sagittal",
  locationCategory: "Spine and Muscles",
};

describe("junk rules", () => {
  it.each([
    ["Replace this - DESCRIPTION OF THE IMAGE OR FINDINGS.", "PLACEHOLDER"],
    ["TBD", "PLACEHOLDER"],
    ["IN PROGRESS.", "PLACEHOLDER"],
    ["see above", "PLACEHOLDER"],
    ["Lorem ipsum dolor sit amet, consectetur", "PLACEHOLDER"],
    ["Figure 3", "FIGURE_NUMBER"],
    ["CT image 4", "FIGURE_NUMBER"],
    ["CT Image", "NO_CLINICAL_CONTENT"],
    ["Axial FLAIR", "NO_CLINICAL_CONTENT"],
    ["Follow-up CT", "NO_CLINICAL_CONTENT"],
    ["pelvis", "TOO_SHORT"],
    ["The liver shows Ã©dema â€“ and &amp; debris", "ENCODING_GARBAGE"],
  ])("%s → %s", (text, code) => {
    expect(codes(junkReasons(text))).toContain(code);
  });

  it("leaves real descriptions alone", () => {
    expect(junkReasons("CT of the chest reveals an obstructing mass and resultant LUL collapse.")).toEqual([]);
    expect(junkReasons("Ring-enhancing lesion in the right frontal lobe with surrounding edema")).toEqual([]);
  });
});

describe("metadata rules", () => {
  it("flags another modality's words only when the image's own are absent", () => {
    const r = modalityReasons("Axial T2 FLAIR shows hyperintense signal in the white matter", ctBrain);
    expect(codes(r)).toEqual(["MODALITY_MISMATCH"]);
    expect(r[0]?.words).toEqual(expect.arrayContaining(["T2", "FLAIR"]));
    expect(modalityReasons("CT shows a bleed; the prior MRI showed T2 signal", ctBrain)).toEqual([]);
  });

  it("flags a sequence of another kind and contrast words on a non-contrast study", () => {
    expect(codes(sequenceReasons("FLAIR hyperintensity in the medial temporal lobe", mrKnee))).toEqual(["SEQUENCE_MISMATCH"]);
    expect(sequenceReasons("T2 and FLAIR hyperintensity", mrKnee)).toEqual([]);
    // Spinal levels are not sequences.
    const t1Gd: ImageFacts = { ...mrKnee, modalityDetail: "MR - T1W w/Gadolinium" };
    expect(sequenceReasons("Involvement of the T2-3 and T3-4 foramina, T1-T2 disc", t1Gd)).toEqual([]);
    expect(modalityReasons("Compression of T2-3", ctBrain)).toEqual([]);
    expect(codes(sequenceReasons("Post-contrast images show enhancement", ctBrain))).toEqual(["SEQUENCE_MISMATCH"]);
    expect(sequenceReasons("Non-contrast images; prior post-contrast exam", ctBrain)).toEqual([]);
  });

  it("flags another plane", () => {
    expect(codes(planeReasons("Coronal image of the brain", ctBrain))).toEqual(["PLANE_MISMATCH"]);
    expect(planeReasons("Axial and coronal images", ctBrain)).toEqual([]);
    expect(planeReasons("Coronal image", { ...ctBrain, plane: "3D Reconstruction" })).toEqual([]);
  });

  it("flags anatomy of another region, with MedPix's merged abdomen and pelvis", () => {
    const r = anatomyReasons("Large mass in the right lung with pleural effusion", ctBrain);
    expect(codes(r)).toEqual(["ANATOMY_MISMATCH"]);
    expect(r[0]?.words).toEqual(expect.arrayContaining(["lung", "pleural"]));
    expect(anatomyReasons("Mass in the brain", ctBrain)).toEqual([]);
    const gu: ImageFacts = { ...ctBrain, locationCategory: "Reproductive and Urinary System" };
    expect(anatomyReasons("The liver is enlarged", gu)).toEqual([]);
    expect(anatomyReasons("Meniscal tear of the knee", { ...ctBrain, locationCategory: "Unknown" })).toEqual([]);
  });

  it("collects every contradiction", () => {
    expect(codes(metadataReasons("Coronal T2 image of the knee shows a meniscal tear", ctBrain)).sort()).toEqual([
      "ANATOMY_MISMATCH",
      "MODALITY_MISMATCH",
      "PLANE_MISMATCH",
    ]);
  });
});

describe("model agreement", () => {
  it("is the mean share of other pairs that beat the own pair", () => {
    expect(disagreement({ own: 0.5, imageToCaptions: [0.6, 0.4], captionToImages: [0.7, 0.8] })).toBeCloseTo(0.75);
    expect(disagreement({ own: 0.5, imageToCaptions: [], captionToImages: [] })).toBe(0);
  });

  it("reports MODEL_DISAGREES above the threshold only", () => {
    expect(agreementReasons({ own: 0.1, imageToCaptions: [0.3, 0.4], captionToImages: [0.2, 0.5] })[0]?.code).toBe("MODEL_DISAGREES");
    expect(agreementReasons({ own: 0.9, imageToCaptions: [0.3, 0.4], captionToImages: [0.2, 0.5] })).toEqual([]);
  });

  it("uses attribute predictions when confident and ignores a model without heads", () => {
    const preds = [
      { attribute: "modality", label: "CT", probability: 0.97, alternatives: [] },
      { attribute: "regionGroup", label: "Head", probability: 0.95, alternatives: [] },
    ];
    const r = predictedAttributeReasons("T2 hyperintense lesion of the liver", mrKnee, preds);
    expect(codes(r)).toEqual(["PREDICTED_ATTRIBUTE_MISMATCH", "PREDICTED_ATTRIBUTE_MISMATCH"]);
    expect(predictedAttributeReasons("T2 hyperintense lesion of the liver", mrKnee, null)).toEqual([]);
    expect(predictedAttributeReasons("lesion of the liver", mrKnee, [{ ...preds[1]!, probability: 0.5 }])).toEqual([]);
  });
});

describe("duplicates", () => {
  const text = "Large enhancing mass arising from the upper pole of the left kidney";
  it("flags the same text across cases and regions, not within one case", () => {
    const out = duplicateReasons([
      { captionId: "a", text, caseId: "c1", dataset: "medpix-2.0", locationCategory: "Abdomen" },
      { captionId: "b", text: `${text.toUpperCase()}.`, caseId: "c2", dataset: "medpix-2.0", locationCategory: "Head" },
      { captionId: "c", text: "Another caption that is long enough", caseId: "c1", dataset: "medpix-2.0", locationCategory: "Abdomen" },
      { captionId: "d", text: "Another caption that is long enough", caseId: "c1", dataset: "medpix-2.0", locationCategory: "Abdomen" },
    ]);
    expect(codes(out.get("a") ?? [])).toEqual(["DUPLICATE_ACROSS_REGIONS", "DUPLICATE_ACROSS_CASES"]);
    expect(out.has("c")).toBe(false);
  });
});

describe("score", () => {
  it("combines strengths by noisy-OR, strongest first", () => {
    const out = combineReasons([
      { code: "PLANE_MISMATCH", detail: "", strength: 0.5 },
      { code: "PLACEHOLDER", detail: "", strength: 0.5 },
    ]);
    expect(out.score).toBeCloseTo(0.75);
    expect(combineReasons([]).score).toBe(0);
  });
});
