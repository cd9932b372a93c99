// The importer-neutral shape every dataset reader produces. Readers validate their own format;
// the import service validates images and writes rows.
import type { ModalityType, Split } from "@medcap/db";

/** Per-image metadata, the same whether an image arrives through an importer or the API. */
export interface ImageMetadata {
  modality: ModalityType;
  modalityDetail?: string | null;
  plane?: string | null;
  location?: string | null;
  locationCategory?: string | null;
  patientAge?: number | null;
  patientSex?: string | null;
  acrCodes?: string | null;
  figurePart?: string | null;
}

export interface ImageRecord extends ImageMetadata {
  externalId: string;
  /** Absolute path of the image file to import. */
  file: string;
  caption: string;
}

export interface CaseRecord {
  externalId: string;
  split: Split;
  title?: string | null;
  history?: string | null;
  exam?: string | null;
  findings?: string | null;
  differentialDiagnosis?: string | null;
  caseDiagnosis?: string | null;
  diagnosisBy?: string | null;
  topicTitle?: string | null;
  diseaseDiscussion?: string | null;
  acrCode?: string | null;
  category?: string | null;
  images: ImageRecord[];
}

/** A record the reader could not accept, reported with its id and the reason. */
export interface RecordProblem {
  id: string;
  reason: string;
}

export interface DatasetInfo {
  name: string;
  source: string;
  version?: string;
  licence?: string;
  citation?: string;
}

export interface DatasetReadResult {
  dataset: DatasetInfo;
  cases: CaseRecord[];
  problems: RecordProblem[];
}

const SPLITS: Record<string, Split> = { train: "TRAIN", dev: "DEV", val: "DEV", validation: "DEV", test: "TEST" };

export function parseSplit(value: unknown): Split | undefined {
  return typeof value === "string" ? SPLITS[value.trim().toLowerCase()] : undefined;
}

export function parseModality(value: unknown): ModalityType {
  const v = typeof value === "string" ? value.trim().toUpperCase() : "";
  if (v === "CT" || v === "TAC") return "CT";
  if (v === "MR" || v === "MRI") return "MR";
  if (v === "XR" || v === "CR" || v === "DX" || v === "X-RAY" || v === "XRAY") return "XR";
  if (v === "US" || v === "ULTRASOUND") return "US";
  return "OTHER";
}

/** MedPix ages are strings ("73", "", "unknown"); keep plausible integers only. */
export function parseAge(value: unknown): number | null {
  const n = typeof value === "number" ? value : Number.parseInt(String(value ?? ""), 10);
  return Number.isInteger(n) && n >= 0 && n <= 130 ? n : null;
}

export function cleanText(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const t = value.trim();
  return t === "" || t === "N/A" ? null : t;
}

/**
 * Where a record holds text PostgreSQL refuses (a NUL, U+0000), as "<field>: …", or undefined.
 * Checked per record before any write: one NUL in a jsonl caption aborted the import half-way.
 */
export function unstorableText(value: unknown, field = ""): string | undefined {
  if (typeof value === "string") {
    return value.includes("\u0000") ? `${field || "line"}: contains a NUL character (U+0000), which cannot be stored` : undefined;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const found = unstorableText(v, field ? `${field}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}
