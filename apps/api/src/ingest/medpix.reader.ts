// Reads the MedPix 2.0 repository layout: Descriptions.json (per image), Case_topic.json (per case),
// images/<image>.png, splitted_dataset/uid_list.json (case-level split). A copy that includes the
// test split reads the same way.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { MedcapError } from "../core/errors.js";
import {
  type CaseRecord,
  type DatasetReadResult,
  type ImageRecord,
  type RecordProblem,
  cleanText,
  parseAge,
  parseModality,
  parseSplit,
} from "./case.record.js";

const optText = z.string().nullish();

const descriptionSchema = z.object({
  Type: z.string().min(1),
  U_id: z.string().min(1),
  image: z.string().min(1),
  Description: z.object({
    Caption: z.string().trim().min(1, "empty caption"),
    Modality: optText,
    Plane: optText,
    Age: z.union([z.string(), z.number()]).nullish(),
    Sex: optText,
    "ACR Codes": optText,
    "Figure Part": optText,
  }),
  Location: optText,
  "Location Category": optText,
});

const caseSchema = z.object({
  U_id: z.string().min(1),
  Case: z.record(z.string(), z.string().nullish()).default({}),
  Topic: z.record(z.string(), z.string().nullish()).default({}),
});

export const MEDPIX_DATASET = {
  name: "medpix-2.0",
  source: "MedPix 2.0 (U.S. National Library of Medicine MedPix cases, curated by Siragusa et al.)",
  version: "2.0",
  licence: "MedPix content is provided by the U.S. National Library of Medicine; see the MedPix 2.0 repository for terms",
  citation:
    "Siragusa I., Contino S., La Ciura M., Alicata R., Pirrone R. MedPix 2.0: A Comprehensive Multimodal Biomedical Data set for Advanced AI Applications with Retrieval Augmented Generation and Knowledge Graphs. 2024.",
};

/** Accepts the folder itself or a parent holding `MedPix-2-0/`. */
export function resolveMedpixRoot(dir: string): string {
  const candidates = [dir, path.join(dir, "MedPix-2-0")];
  const root = candidates.find((c) => existsSync(path.join(c, "Descriptions.json")));
  if (!root) {
    throw new MedcapError("BAD_USER_INPUT", `no MedPix 2.0 layout under ${dir} (expected Descriptions.json, Case_topic.json, images/)`);
  }
  return root;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new MedcapError("BAD_USER_INPUT", `missing ${path.basename(file)} in ${path.dirname(file)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MedcapError("BAD_USER_INPUT", `${path.basename(file)} is not valid JSON: ${(err as Error).message}`);
  }
}

function issueText(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join(".") || "record"}: ${i.message}`).join("; ");
}

export async function readMedpix(dir: string): Promise<DatasetReadResult> {
  const root = resolveMedpixRoot(dir);
  const [descriptions, topics, uidList] = await Promise.all([
    readJson(path.join(root, "Descriptions.json")),
    readJson(path.join(root, "Case_topic.json")),
    readJson(path.join(root, "splitted_dataset", "uid_list.json")),
  ]);
  if (!Array.isArray(descriptions) || !Array.isArray(topics)) {
    throw new MedcapError("BAD_USER_INPUT", "Descriptions.json and Case_topic.json must be JSON arrays");
  }
  const problems: RecordProblem[] = [];

  // uid_list.json maps split name → case ids; train_1/train_2 are subsets of train, not splits.
  const splitOf = new Map<string, string>();
  for (const [split, ids] of Object.entries((uidList ?? {}) as Record<string, unknown>)) {
    if (!Array.isArray(ids) || !["train", "dev", "test"].includes(split)) continue;
    for (const id of ids) if (typeof id === "string") splitOf.set(id, split);
  }

  const imagesByCase = new Map<string, ImageRecord[]>();
  const badCases = new Set<string>();
  descriptions.forEach((raw, index) => {
    const parsed = descriptionSchema.safeParse(raw);
    const id = (raw as { image?: unknown })?.image;
    if (!parsed.success) {
      problems.push({ id: typeof id === "string" ? id : `Descriptions.json[${index}]`, reason: issueText(parsed.error) });
      const uid = (raw as { U_id?: unknown })?.U_id;
      if (typeof uid === "string") badCases.add(uid);
      return;
    }
    const d = parsed.data;
    const record: ImageRecord = {
      externalId: d.image,
      file: path.join(root, "images", `${d.image}.png`),
      caption: d.Description.Caption.trim(),
      modality: parseModality(d.Type),
      modalityDetail: cleanText(d.Description.Modality),
      plane: cleanText(d.Description.Plane),
      location: cleanText(d.Location),
      locationCategory: cleanText(d["Location Category"]),
      patientAge: parseAge(d.Description.Age),
      patientSex: cleanText(d.Description.Sex),
      acrCodes: cleanText(d.Description["ACR Codes"]),
      figurePart: cleanText(d.Description["Figure Part"]),
    };
    const list = imagesByCase.get(d.U_id) ?? [];
    list.push(record);
    imagesByCase.set(d.U_id, list);
  });

  const cases: CaseRecord[] = [];
  topics.forEach((raw, index) => {
    const parsed = caseSchema.safeParse(raw);
    if (!parsed.success) {
      const uid = (raw as { U_id?: unknown })?.U_id;
      problems.push({ id: typeof uid === "string" ? uid : `Case_topic.json[${index}]`, reason: issueText(parsed.error) });
      return;
    }
    const { U_id: id, Case: c, Topic: t } = parsed.data;
    const images = imagesByCase.get(id) ?? [];
    imagesByCase.delete(id); // whatever happens to the case, its images are accounted for
    const splitName = splitOf.get(id);
    const split = parseSplit(splitName);
    if (!split) {
      problems.push({ id, reason: `case is in no known split of uid_list.json (got ${splitName ?? "none"})` });
      return;
    }
    if (badCases.has(id)) {
      problems.push({ id, reason: "case has a malformed image record (see above); skipped whole so it is never half-imported" });
      return;
    }
    if (images.length === 0) {
      problems.push({ id, reason: "case has no image records in Descriptions.json" });
      return;
    }
    cases.push({
      externalId: id,
      split,
      title: cleanText(c.Title),
      history: cleanText(c.History),
      exam: cleanText(c.Exam),
      findings: cleanText(c.Findings),
      differentialDiagnosis: cleanText(c["Differential Diagnosis"]),
      caseDiagnosis: cleanText(c["Case Diagnosis"]),
      diagnosisBy: cleanText(c["Diagnosis By"]),
      topicTitle: cleanText(t.Title),
      diseaseDiscussion: cleanText(t["Disease Discussion"]),
      acrCode: cleanText(t["ACR Code"]),
      category: cleanText(t.Category),
      images,
    });
  });
  for (const [id] of imagesByCase) problems.push({ id, reason: "image records reference a case missing from Case_topic.json" });

  return { dataset: MEDPIX_DATASET, cases, problems };
}
