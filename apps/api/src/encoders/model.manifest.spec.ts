import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { MedcapError } from "../core/errors.js";
import { loadModelFolder, parseManifest, sha256 } from "./model.manifest.js";

const tinyDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "tiny-model");
const temps: string[] = [];

async function copyOfTiny(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "medcap-model-"));
  temps.push(dir);
  await cp(tinyDir, dir, { recursive: true });
  return dir;
}

async function refusal(p: Promise<unknown>): Promise<MedcapError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MedcapError);
  return err as MedcapError;
}

// biome-ignore lint/suspicious/noExplicitAny: the tests deliberately write invalid manifests
async function editManifest(dir: string, edit: (m: Record<string, any>) => void): Promise<void> {
  const file = path.join(dir, "manifest.json");
  const manifest = JSON.parse(await readFile(file, "utf8"));
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest));
}

afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("loadModelFolder", () => {
  it("loads a verified folder with its bytes, vocabulary and the manifest's own sha256", async () => {
    const model = await loadModelFolder(tinyDir);
    expect(model.manifest).toMatchObject({ name: "tiny-fixture", embeddingDim: 16, image: { size: 8 } });
    expect(model.manifestSha256).toBe(sha256(await readFile(path.join(tinyDir, "manifest.json"))));
    expect(model.vocabText.split("\n")[0]).toBe("[PAD]");
    expect(sha256(model.imageModel)).toBe(model.manifest.files["image_encoder.onnx"]);
  });

  it("refuses a file whose sha256 differs, naming the file", async () => {
    const dir = await copyOfTiny();
    await writeFile(path.join(dir, "vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nextra\n");
    const err = await refusal(loadModelFolder(dir));
    expect(err.code).toBe("MODEL_MISMATCH");
    expect(err.message).toMatch(/model file vocab\.txt does not match its sha256/);
    expect(err.details).toMatchObject({ file: "vocab.txt" });
  });

  it("refuses a missing listed file, naming it", async () => {
    const dir = await copyOfTiny();
    await rm(path.join(dir, "text_encoder.onnx"));
    const err = await refusal(loadModelFolder(dir));
    expect(err.code).toBe("MODEL_MISMATCH");
    expect(err.message).toMatch(/model file text_encoder\.onnx is missing/);
  });

  it("refuses an encoder that has no hash in the manifest", async () => {
    const dir = await copyOfTiny();
    await editManifest(dir, (m) => delete m.files["image_encoder.onnx"]);
    expect((await refusal(loadModelFolder(dir))).message).toMatch(/no sha256 for image_encoder\.onnx/);
  });

  it("refuses paths that leave the model folder", async () => {
    const dir = await copyOfTiny();
    await editManifest(dir, (m) => (m.files["../escape.txt"] = "0".repeat(64)));
    expect((await refusal(loadModelFolder(dir))).message).toMatch(/outside its folder: \.\.\/escape\.txt/);
  });

  it("refuses a folder without manifest.json and a manifest that is not JSON", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), "medcap-empty-"));
    temps.push(empty);
    expect((await refusal(loadModelFolder(empty))).message).toMatch(/no manifest\.json/);
    const dir = await copyOfTiny();
    await writeFile(path.join(dir, "manifest.json"), "{ not json");
    expect((await refusal(loadModelFolder(dir))).message).toMatch(/not valid JSON/);
  });
});

describe("parseManifest", () => {
  const valid = async () => JSON.parse(await readFile(path.join(tinyDir, "manifest.json"), "utf8"));

  it("keeps fields it does not know (createdAt, exportChecks, licence…)", async () => {
    const manifest = parseManifest({ ...(await valid()), createdAt: "2026-01-01T00:00:00Z", licence: "x" });
    expect((manifest as Record<string, unknown>).licence).toBe("x");
  });

  it("lists every schema problem with its path", async () => {
    const m = await valid();
    m.embeddingDim = 0;
    m.image.resize = "bicubic";
    m.image.mean = [0.5];
    m.files["vocab.txt"] = "nothex";
    const err = (() => {
      try {
        parseManifest(m);
      } catch (e) {
        return e as MedcapError;
      }
      throw new Error("expected a refusal");
    })();
    expect(err.code).toBe("MODEL_MISMATCH");
    for (const p of ["embeddingDim", "image.resize", "image.mean", "files.vocab.txt"]) expect(err.message).toContain(p);
  });

  it("accepts the optional captioning defaults block of v2 and refuses a malformed one", async () => {
    expect(parseManifest(await valid()).captioning).toBeUndefined();
    const captioning = { strategy: "fused", neighbours: 20, temperature: 0.05, weight: 0.4, consensus: "off" };
    expect(parseManifest({ ...(await valid()), captioning }).captioning).toEqual(captioning);
    const bad = { ...(await valid()), captioning: { strategy: "nearest", neighbours: 0, temperature: -1, weight: 2, consensus: "10" } };
    expect(() => parseManifest(bad)).toThrow(MedcapError);
    try {
      parseManifest(bad);
    } catch (e) {
      for (const p of [
        "captioning.strategy",
        "captioning.neighbours",
        "captioning.temperature",
        "captioning.weight",
        "captioning.consensus",
      ])
        expect((e as MedcapError).message).toContain(p);
    }
  });
});
