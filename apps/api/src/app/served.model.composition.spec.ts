// Which model a starting server serves, on real parts (PostgreSQL, the tiny fixture model's ONNX
// sessions): the active version's folder, found beside MEDCAP_MODEL_DIR; a version without a folder
// is a typed CONFLICT; and when the active version's folder is gone, the configured model stands in
// and becomes active only once it is fully indexed.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, syntheticPng } from "../../test/app.fixture.js";
import type { AppContext } from "../core/app.context.js";
import { ImportService } from "../ingest/import.service.js";
import { openRetrieval } from "./retrieval.composition.js";
import { onVersion, openServedModel, openVersion } from "./served.model.composition.js";

const tinyDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "encoders", "fixtures", "tiny-model");

let modelsDir: string;
let ctx: AppContext;

/** A copy of the tiny model under a new manifest version: another model version. */
async function tinyCopy(name: string, version: string): Promise<string> {
  const dir = path.join(modelsDir, name);
  await cp(tinyDir, dir, { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"));
  manifest.version = version;
  await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return dir;
}

const activeId = async () => (await ctx.db.prisma.modelVersion.findFirst({ where: { active: true } }))?.id;

beforeAll(async () => {
  modelsDir = await mkdtemp(path.join(tmpdir(), "medcap-models-"));
  const current = await tinyCopy("current", "0.0.1");
  await tinyCopy("next", "0.0.2");
  ctx = await openTestApp({ MEDCAP_MODEL_DIR: current });
  const file = path.join(ctx.config.dataDir, "src.png");
  await writeFile(file, await syntheticPng(7));
  await new ImportService(ctx.db.prisma, ctx.images, ctx.logger).importDataset({
    dataset: { name: "served", source: "test" },
    cases: [
      { externalId: "C0", split: "TRAIN", title: "Case", images: [{ externalId: "I0", file, caption: "Axial CT.", modality: "CT" }] },
    ],
    problems: [],
  });
});
afterAll(async () => {
  await ctx?.close();
  await rm(modelsDir, { recursive: true, force: true });
});

describe("the served model of a starting server", () => {
  it("registers every folder beside MEDCAP_MODEL_DIR, serves the active one, and runs work for another on a temporary copy", async () => {
    const { served, replacing } = await openServedModel(ctx, {});
    try {
      expect(replacing).toBe(false);
      const versions = await ctx.db.prisma.modelVersion.findMany({ orderBy: { version: "asc" } });
      expect(versions.map((v) => [v.version.split("+")[0], v.active])).toEqual([
        ["0.0.1", true],
        ["0.0.2", false],
      ]);
      expect(served.current.model.modelVersionId).toBe(versions[0]?.id);
      const next = versions[1]?.id as string;
      const report = await onVersion(ctx, served, next, (r) => r.indexer.indexAll(r.model), { loadStore: false });
      expect(report).toMatchObject({ images: 1, captions: 1 });
      expect(await activeId()).toBe(versions[0]?.id);
      expect(served.current.model.modelVersionId).toBe(versions[0]?.id);
    } finally {
      await served.close();
    }
  });

  it("refuses a version whose folder is not here with CONFLICT", async () => {
    const ghost = await ctx.db.prisma.modelVersion.create({
      data: { name: "ghost", version: "1+000000000000", embeddingDim: 8, manifestSha256: "0".repeat(64) },
    });
    await expect(openVersion(ctx, ghost.id)).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("not on this server"),
    });
  });

  it("stands in with the configured model when the active version's folder is gone, activating it once indexed", async () => {
    const goneDir = await tinyCopy("gone", "0.0.9");
    const gone = await openRetrieval(ctx, { modelDir: goneDir });
    await gone.indexer.indexAll(gone.model);
    await gone.close();
    await ctx.db.prisma.modelVersion.updateMany({ data: { active: false } });
    await ctx.db.prisma.modelVersion.update({ where: { id: gone.model.modelVersionId }, data: { active: true } });
    await rm(goneDir, { recursive: true, force: true });

    const { served, replacing } = await openServedModel(ctx, {});
    try {
      expect(replacing).toBe(true);
      expect(served.current.model.version).toMatch(/^0\.0\.1\+/);
      expect(await activeId()).toBe(gone.model.modelVersionId);
      await served.current.indexer.indexAll(served.current.model);
      expect(await activeId()).toBe(served.current.model.modelVersionId);
    } finally {
      await served.close();
    }
  });
});
