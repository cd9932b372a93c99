// Generic JSON-lines import for other datasets (ROCO, IU X-Ray and the like).
// One object per line: {"image": "path/to/file.png", "caption": "…", …optional metadata}.
// Image paths are relative to the jsonl file. Lines sharing a "case" become one case.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { MedcapError } from "../core/errors.js";
import {
  type CaseRecord,
  type DatasetReadResult,
  type RecordProblem,
  cleanText,
  unstorableText,
  parseAge,
  parseModality,
  parseSplit,
} from "./case.record.js";
import { fileErrorReason, notRegularFile } from "./source.file.js";

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

/** A line longer than this is reported, never decoded (a 1 GB line made the whole file unreadable). */
export const MAX_JSONL_LINE_BYTES = 1024 * 1024;

type RawLine = { number: number; bytes: Buffer } | { number: number; tooLong: number };

/**
 * The file's lines as bytes, streamed: memory stays bounded by MAX_JSONL_LINE_BYTES whatever the
 * file holds, and each line is decoded (and checked) on its own.
 */
async function* rawLines(file: string): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let length = 0;
  let skipped = 0; // bytes of the current line beyond the limit (not kept)
  let number = 1;
  const finish = (): RawLine => {
    const line: RawLine = skipped ? { number, tooLong: length + skipped } : { number, bytes: Buffer.concat(parts, length) };
    parts = [];
    length = 0;
    skipped = 0;
    number++;
    return line;
  };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let at = 0;
    while (at < chunk.length) {
      const nl = chunk.indexOf(0x0a, at);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(at, end);
      if (skipped || length + piece.length > MAX_JSONL_LINE_BYTES) {
        skipped += piece.length;
      } else {
        parts.push(piece);
        length += piece.length;
      }
      if (nl === -1) break;
      yield finish();
      at = nl + 1;
    }
  }
  if (length || skipped) yield finish();
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export async function readJsonl(file: string, options: JsonlOptions): Promise<DatasetReadResult> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new MedcapError("BAD_USER_INPUT", `cannot read ${file}: it is ${fileErrorReason(err)}`);
  });
  if (!info.isFile()) throw new MedcapError("BAD_USER_INPUT", `cannot read ${file}: it is ${notRegularFile(info)}`);
  const base = path.dirname(path.resolve(file));
  const problems: RecordProblem[] = [];
  const cases = new Map<string, CaseRecord>();
  const badCases = new Set<string>();

  let lines: RawLine[];
  try {
    lines = [];
    for await (const line of rawLines(file)) lines.push(line);
  } catch (err) {
    throw new MedcapError("BAD_USER_INPUT", `cannot read ${file}: it is ${fileErrorReason(err as NodeJS.ErrnoException)}`);
  }

  for (const raw of lines) {
    const where = `line ${raw.number}`;
    if ("tooLong" in raw) {
      problems.push({ id: where, reason: `line is ${raw.tooLong} bytes, above the limit of ${MAX_JSONL_LINE_BYTES} bytes` });
      continue;
    }
    const bytes = raw.bytes.at(-1) === 0x0d ? raw.bytes.subarray(0, -1) : raw.bytes;
    let line: string;
    try {
      line = utf8.decode(bytes);
    } catch {
      // Decoding leniently would turn the bytes into U+FFFD in stored captions without a word.
      problems.push({ id: where, reason: "not valid UTF-8 (save the file as UTF-8); line skipped" });
      continue;
    }
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push({ id: where, reason: `malformed JSON: ${(err as Error).message}` });
      continue;
    }
    const parsed = jsonlLineSchema.safeParse(value);
    const rawId = (value as { id?: unknown })?.id;
    const shownId = typeof rawId === "string" ? `${rawId.replaceAll("\u0000", "\\0")} (${where})` : where;
    const invalid = parsed.success
      ? unstorableText(parsed.data)
      : parsed.error.issues.map((i) => `${i.path.join(".") || "line"}: ${i.message}`).join("; ");
    if (!parsed.success || invalid) {
      problems.push({ id: shownId, reason: invalid ?? "invalid line" });
      const caseId = (value as { case?: unknown })?.case;
      if (typeof caseId === "string") badCases.add(caseId);
      continue;
    }
    const r = parsed.data;
    const imageId = r.id ?? path.basename(r.image).replace(/\.[^.]+$/, "");
    const caseId = r.case ?? imageId;
    const splitName = r.split ?? options.defaultSplit ?? "train";
    const split = parseSplit(splitName);
    if (!split) {
      problems.push({ id: `${imageId} (${where})`, reason: `unknown split "${splitName}" (expected train, dev or test)` });
      badCases.add(caseId);
      continue;
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
      continue;
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
  }

  for (const id of badCases) {
    if (cases.delete(id)) problems.push({ id, reason: "case has an invalid line (see above); skipped whole" });
  }
  return {
    dataset: { name: options.dataset, source: options.source ?? `jsonl import of ${path.basename(file)}`, licence: options.licence },
    cases: [...cases.values()],
    problems,
  };
}
