// Generic JSON-lines import for other datasets (ROCO, IU X-Ray and the like).
// One object per line: {"image": "path/to/file.png", "caption": "…", …optional metadata}.
// Image paths are relative to the jsonl file. Lines sharing a "case" become one case.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { MedcapError } from "../core/errors.js";
import {
  type CaseRecord,
  type DatasetReadResult,
  type RecordProblem,
  cleanText,
  parseAge,
  parseModality,
  parseSplit,
} from "./case.record.js";

const text = z.string().nullish();

export const jsonlLineSchema = z.object({
  id: z.string().min(1).optional(),
  image: z.string().min(1),
  caption: z.string().trim().min(1, "empty caption"),
  case: z.string().min(1).optional(),
  split: z.string().optional(),
  modality: text,
  modalityDetail: text,
  plane: text,
  location: text,
  locationCategory: text,
  age: z.union([z.string(), z.number()]).nullish(),
  sex: text,
  acrCodes: text,
  title: text,
  history: text,
  findings: text,
  diagnosis: text,
});

export interface JsonlOptions {
  dataset: string;
  source?: string;
  licence?: string;
  /** Split for lines that do not state one. */
  defaultSplit?: string;
}

export async function readJsonl(file: string, options: JsonlOptions): Promise<DatasetReadResult> {
  let content: string;
  try {
    content = await readFile(file, "utf8");
  } catch {
    throw new MedcapError("BAD_USER_INPUT", `cannot read ${file}`);
  }
  const base = path.dirname(path.resolve(file));
  const problems: RecordProblem[] = [];
  const cases = new Map<string, CaseRecord>();
  const badCases = new Set<string>();

  content.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim()) return;
    const where = `line ${index + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      problems.push({ id: where, reason: `malformed JSON: ${(err as Error).message}` });
      return;
    }
    const parsed = jsonlLineSchema.safeParse(raw);
    if (!parsed.success) {
      const id = (raw as { id?: unknown })?.id;
      problems.push({
        id: typeof id === "string" ? `${id} (${where})` : where,
        reason: parsed.error.issues.map((i) => `${i.path.join(".") || "line"}: ${i.message}`).join("; "),
      });
      const caseId = (raw as { case?: unknown })?.case;
      if (typeof caseId === "string") badCases.add(caseId);
      return;
    }
    const r = parsed.data;
    const imageId = r.id ?? path.basename(r.image).replace(/\.[^.]+$/, "");
    const caseId = r.case ?? imageId;
    const splitName = r.split ?? options.defaultSplit ?? "train";
    const split = parseSplit(splitName);
    if (!split) {
      problems.push({ id: `${imageId} (${where})`, reason: `unknown split "${splitName}" (expected train, dev or test)` });
      badCases.add(caseId);
      return;
    }
    let c = cases.get(caseId);
    if (!c) {
      c = {
        externalId: caseId,
        split,
        title: cleanText(r.title),
        history: cleanText(r.history),
        findings: cleanText(r.findings),
        caseDiagnosis: cleanText(r.diagnosis),
        images: [],
      };
      cases.set(caseId, c);
    } else if (c.split !== split) {
      problems.push({
        id: `${imageId} (${where})`,
        reason: `case ${caseId} is in split ${c.split} but this line says ${split}; splits are case-level`,
      });
      badCases.add(caseId);
      return;
    }
    c.images.push({
      externalId: imageId,
      file: path.resolve(base, r.image),
      caption: r.caption,
      modality: parseModality(r.modality),
      modalityDetail: cleanText(r.modalityDetail),
      plane: cleanText(r.plane),
      location: cleanText(r.location),
      locationCategory: cleanText(r.locationCategory),
      patientAge: parseAge(r.age),
      patientSex: cleanText(r.sex),
      acrCodes: cleanText(r.acrCodes),
    });
  });

  for (const id of badCases) {
    if (cases.delete(id)) problems.push({ id, reason: "case has an invalid line (see above); skipped whole" });
  }
  return {
    dataset: { name: options.dataset, source: options.source ?? `jsonl import of ${path.basename(file)}`, licence: options.licence },
    cases: [...cases.values()],
    problems,
  };
}
