// A model folder is trusted only as far as its manifest: the runtime reads size, mean/std, tokenizer
// settings and file hashes from manifest.json (written by models/toolkit's `export`) instead of
// hard-coding them, and refuses to start on a folder whose files do not match their hashes, so a
// half-copied or hand-edited model can never serve vectors that silently mix with the stored ones.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { MedcapError } from "../core/errors.js";

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "expected a lowercase hex sha256");
const positiveInt = z.number().int().positive();
const triple = z.array(z.number().finite()).length(3);

/**
 * How the model captions by default (issue #11): the strategy and knobs that won the toolkit's
 * case-grouped cross-validation. Absent (v1) = rank captions by text cosine, consensus from config.
 */
export const captioningManifestSchema = z.looseObject({
  strategy: z.enum(["text", "images", "fused"]),
  neighbours: z.number().int().min(1).max(1000),
  temperature: z.number().finite().positive(),
  weight: z.number().min(0).max(1),
  consensus: z.union([
    z.literal("off"),
    z.string().regex(/^(?:[2-9]|[1-9]\d+):(0(\.\d+)?|1(\.0+)?)$/, 'expected "m:w" with m ≥ 2 and 0 ≤ w ≤ 1 (e.g. "10:0.3") or "off"'),
  ]),
});

/**
 * The attribute prior (issue #24): when the query's top probability for region (grouped) or modality is
 * at least `threshold`, a candidate none of whose images carries the predicted value loses `penalty`
 * from its score per contradicted attribute; `penalty` null = demoted below every other candidate.
 */
export const attributePriorSchema = z.looseObject({
  threshold: z.number().min(0).max(2),
  penalty: z.number().min(0).nullable(),
});

/**
 * Attribute heads in the image graph (issue #24): a second output with one softmax per attribute,
 * concatenated; each head's labels and offset, and the dataset's grouping of regions that share anatomy.
 */
export const attributesManifestSchema = z
  .looseObject({
    output: z.string().min(1),
    width: positiveInt,
    heads: z
      .array(z.looseObject({ name: z.string().min(1), labels: z.array(z.string().min(1)).min(1), offset: z.number().int().min(0) }))
      .min(1),
    regionGroups: z.record(z.string(), z.string()).optional(),
  })
  .refine((a) => a.heads.every((h) => h.offset + h.labels.length <= a.width), "a head's labels run past the output's width");

export const modelManifestSchema = z.looseObject({
  name: z.string().min(1),
  version: z.string().min(1),
  embeddingDim: positiveInt,
  image: z.looseObject({
    file: z.string().min(1),
    input: z.string().min(1),
    output: z.string().min(1),
    size: positiveInt,
    resize: z.literal("shorter-side-triangle"),
    crop: z.literal("center"),
    colorMode: z.literal("luminance-replicate-3"),
    mean: triple,
    std: triple.refine((s) => s.every((v) => v !== 0), "std values must be non-zero"),
    attributes: attributesManifestSchema.optional(),
  }),
  text: z.looseObject({
    file: z.string().min(1),
    inputs: z.tuple([z.literal("input_ids"), z.literal("attention_mask")]),
    output: z.string().min(1),
    tokenizer: z.looseObject({
      type: z.literal("bert-wordpiece"),
      vocab: z.string().min(1),
      lowercase: z.boolean(),
      stripAccents: z.boolean(),
      maxLength: z.number().int().min(2),
      clsToken: z.string().min(1),
      sepToken: z.string().min(1),
      padToken: z.string().min(1),
      unkToken: z.string().min(1),
    }),
  }),
  logitScale: z.number().positive().optional(),
  files: z.record(z.string(), sha256Hex),
  training: z.record(z.string(), z.unknown()).optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  quantization: z.string().optional(),
  captioning: captioningManifestSchema.extend({ prior: attributePriorSchema.optional() }).optional(),
  similarImages: z.looseObject({ prior: attributePriorSchema.optional() }).optional(),
});

export type AttributesManifest = z.infer<typeof attributesManifestSchema>;
export type AttributePriorManifest = z.infer<typeof attributePriorSchema>;

export type ModelManifest = z.infer<typeof modelManifestSchema>;

export interface ModelFolder {
  dir: string;
  manifest: ModelManifest;
  /** sha256 of manifest.json itself: identifies this exact export (hashes of every file included). */
  manifestSha256: string;
  imageModelPath: string;
  textModelPath: string;
  /** The verified bytes themselves, so what runs is exactly what was hashed (no re-read race). */
  imageModel: Uint8Array;
  textModel: Uint8Array;
  vocabText: string;
}

const mismatch = (message: string, details: Record<string, unknown> = {}) => new MedcapError("MODEL_MISMATCH", message, details);

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function insideFolder(dir: string, file: string): string {
  const resolved = path.resolve(dir, file);
  if (path.isAbsolute(file) || !resolved.startsWith(path.resolve(dir) + path.sep)) {
    throw mismatch(`model manifest names a file outside its folder: ${file}`, { file });
  }
  return resolved;
}

async function readModelFile(dir: string, file: string): Promise<Buffer> {
  try {
    return await readFile(insideFolder(dir, file));
  } catch (err) {
    if (err instanceof MedcapError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw mismatch(`model file ${file} is missing from ${dir}${code && code !== "ENOENT" ? ` (${code})` : ""}`, { file, dir });
  }
}

export function parseManifest(json: unknown, source = "manifest.json"): ModelManifest {
  const parsed = modelManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw mismatch(`invalid model manifest ${source}: ${issues}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    });
  }
  return parsed.data;
}

/**
 * Loads and verifies a model folder: schema, every listed sha256, and that the encoders and vocabulary
 * are among the hashed files. Running the graphs (names, probe dimensions) is the encoder service's job.
 */
export async function loadModelFolder(dir: string): Promise<ModelFolder> {
  const folder = path.resolve(dir);
  let raw: Buffer;
  try {
    raw = await readFile(path.join(folder, "manifest.json"));
  } catch {
    throw mismatch(`no manifest.json in model folder ${folder}`, { dir: folder });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw mismatch(`model manifest ${path.join(folder, "manifest.json")} is not valid JSON: ${(err as Error).message}`, { dir: folder });
  }
  const manifest = parseManifest(json, path.join(folder, "manifest.json"));

  const required = [manifest.image.file, manifest.text.file, manifest.text.tokenizer.vocab];
  for (const file of required) {
    if (!(file in manifest.files)) throw mismatch(`model manifest has no sha256 for ${file}; refusing an unverifiable model`, { file });
  }
  const contents = new Map<string, Buffer>();
  for (const [file, expected] of Object.entries(manifest.files)) {
    const bytes = await readModelFile(folder, file);
    const actual = sha256(bytes);
    if (actual !== expected) {
      throw mismatch(
        `model file ${file} does not match its sha256 in manifest.json (expected ${expected}, found ${actual}); re-export or re-copy the model`,
        {
          file,
          expected,
          actual,
        },
      );
    }
    if (required.includes(file)) contents.set(file, bytes);
  }
  return {
    dir: folder,
    manifest,
    manifestSha256: sha256(raw),
    imageModelPath: insideFolder(folder, manifest.image.file),
    textModelPath: insideFolder(folder, manifest.text.file),
    imageModel: contents.get(manifest.image.file)!,
    textModel: contents.get(manifest.text.file)!,
    vocabText: contents.get(manifest.text.tokenizer.vocab)!.toString("utf8"),
  };
}
