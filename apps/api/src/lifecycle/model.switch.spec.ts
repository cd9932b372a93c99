// Medium test of a model switch (issue #11: v2 replaces v1 on a data folder indexed with v1): real
// PostgreSQL, real ONNX sessions (the tiny fixture model, and a copy of it with a new version). The
// new version is indexed beside the old one and can be activated only once complete (blue/green);
// flags, caption revisions, audit rows, evaluation runs and the old version's vectors all survive.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Split } from "@medcap/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, syntheticPng } from "../../test/app.fixture.js";
import type { AppContext } from "../core/app.context.js";
import { CaptionService } from "../curation/caption.service.js";
import { FlagService } from "../curation/flag.service.js";
import { EvaluationService } from "../eval/evaluation.service.js";
import { ImportService } from "../ingest/import.service.js";
import { activateIndexedVersion } from "./model.registry.js";
import { openRetrieval, type Retrieval } from "../app/retrieval.composition.js";

const tinyDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "encoders", "fixtures", "tiny-model");
const CAPTIONS = [
  "Axial CT of the liver shows a hypodense lesion.",
  "Sagittal T2 MR of the lumbar spine with disc herniation.",
  "Coronal CT of the chest with a right upper lobe mass.",
  "Axial FLAIR MR of the brain showing periventricular lesions.",
  "Frontal chest radiograph with cardiomegaly.",
  "Axial CT of the abdomen with free fluid.",
];

let ctx: AppContext;
let nextDir: string;

beforeAll(async () => {
  ctx = await openTestApp({ MEDCAP_MODEL_DIR: tinyDir, MEDCAP_CAPTION_CONSENSUS: "off" });
  // "v2": the same graphs under a new manifest version (hence a new manifest hash and model version).
  nextDir = await mkdtemp(path.join(tmpdir(), "medcap-next-model-"));
  await cp(tinyDir, nextDir, { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(nextDir, "manifest.json"), "utf8"));
  manifest.version = "0.0.2";
  manifest.captioning = { strategy: "fused", neighbours: 3, temperature: 0.1, weight: 0.5, consensus: "off" };
  await writeFile(path.join(nextDir, "manifest.json"), JSON.stringify(manifest, null, 2));

  const cases = await Promise.all(
    [0, 1, 2].map(async (c) => ({
      externalId: `S${c}`,
      split: (c === 2 ? "DEV" : "TRAIN") as Split,
      title: `Case ${c}`,
      images: await Promise.all(
        [0, 1].map(async (i) => {
          const n = c * 2 + i;
          const file = path.join(ctx.config.dataDir, `src-${n}.png`);
          await writeFile(file, await syntheticPng(n + 3));
          return { externalId: `S${c}_${i}`, file, caption: CAPTIONS[n] as string, modality: "CT" as const, plane: "Axial" };
        }),
      ),
    })),
  );
  await new ImportService(ctx.db.prisma, ctx.images, ctx.logger).importDataset({
    dataset: { name: "switch", source: "test" },
    cases,
    problems: [],
  });
});
afterAll(async () => {
  await ctx?.close();
  if (nextDir) await rm(nextDir, { recursive: true, force: true });
});

const activeId = async () => (await ctx.db.prisma.modelVersion.findFirst({ where: { active: true } }))?.id;

async function curationSnapshot() {
  const p = ctx.db.prisma;
  return {
    flags: await p.flag.findMany({ orderBy: { id: "asc" } }),
    revisions: await p.captionRevision.findMany({ orderBy: { id: "asc" } }),
    captions: await p.caption.findMany({ orderBy: { id: "asc" } }),
    evaluationRuns: await p.evaluationRun.findMany({ orderBy: { id: "asc" } }),
    audit: await p.auditLog.findMany({ orderBy: { id: "asc" } }),
  };
}

describe("switching the served model to a new version", () => {
  let v1: Retrieval;
  let v2: Retrieval;
  afterAll(async () => {
    await v1?.close();
    await v2?.close();
  });

  it("re-indexes everything under the new version, can be activated only when complete, and loses nothing", async () => {
    v1 = await openRetrieval(ctx);
    await v1.indexer.indexAll(v1.model);
    expect(await activeId()).toBe(v1.model.modelVersionId);
    const v1Vectors = await ctx.db.prisma.embedding.count({ where: { modelVersionId: v1.model.modelVersionId } });
    expect(v1Vectors).toBe(12);

    // Curation and evaluation under v1.
    const caption = await ctx.db.prisma.caption.findFirstOrThrow({ where: { image: { externalId: "S0_0" } } });
    await new FlagService(ctx.db.prisma, v1.search, ctx.logger).raise({ captionId: caption.id, reason: "WRONG_FINDING" }, "annotator");
    await new CaptionService(ctx.db.prisma, v1.search, ctx.logger).update(
      { id: caption.id, text: "Axial CT of the liver shows a hypodense cyst." },
      "curator",
    );
    const run = await new EvaluationService(ctx.db.prisma, v1).run({ protocol: "retrieval", split: "DEV" });
    const before = await curationSnapshot();
    expect(before.flags).toHaveLength(1);
    expect(before.revisions.some((r) => r.text === "Axial CT of the liver shows a hypodense cyst.")).toBe(true);
    await v1.close();

    // The new version loads beside the old one: nothing indexed yet, so the old one stays active.
    v2 = await openRetrieval(ctx, { modelDir: nextDir });
    expect(v2.model.modelVersionId).not.toBe(v1.model.modelVersionId);
    expect(v2.model.version).toMatch(/^0\.0\.2\+/);
    expect(await activeId()).toBe(v1.model.modelVersionId);
    expect(await v2.indexer.pending(v2.model)).toEqual({ images: 6, captions: 6 });
    // Activation is refused while the new version's index is incomplete, saying what is missing.
    await expect(activateIndexedVersion(ctx.db.prisma, v2.model.modelVersionId, "admin")).rejects.toMatchObject({
      code: "CONFLICT",
      details: { missingImages: 6, missingCaptions: 6 },
    });

    const report = await v2.indexer.indexAll(v2.model);
    expect(report).toMatchObject({ images: 6, captions: 6 });
    // Indexing alone never switches (issue #18 item 8): the old version answers until someone activates.
    expect(await activeId()).toBe(v1.model.modelVersionId);
    await activateIndexedVersion(ctx.db.prisma, v2.model.modelVersionId, "admin");
    expect(await activeId()).toBe(v2.model.modelVersionId);
    const versions = await ctx.db.prisma.modelVersion.findMany({ where: { active: true } });
    expect(versions).toHaveLength(1);

    // Nothing lost: curation rows are identical, the old vectors and the old run are still there.
    const after = await curationSnapshot();
    expect(after.flags).toEqual(before.flags);
    expect(after.revisions).toEqual(before.revisions);
    expect(after.captions).toEqual(before.captions);
    expect(after.evaluationRuns).toEqual(before.evaluationRuns);
    expect(after.evaluationRuns.find((r) => r.id === run.runId)?.modelVersionId).toBe(v1.model.modelVersionId);
    // Only the activation was added to the audit log, and it names both versions.
    expect(after.audit.slice(0, before.audit.length)).toEqual(before.audit);
    expect(after.audit.slice(before.audit.length).map((a) => [a.action, a.targetId, a.before, a.after])).toEqual([
      [
        "modelVersion.activate",
        v2.model.modelVersionId,
        { activeModelVersionId: v1.model.modelVersionId },
        { activeModelVersionId: v2.model.modelVersionId },
      ],
    ]);
    expect(await ctx.db.prisma.embedding.count({ where: { modelVersionId: v1.model.modelVersionId } })).toBe(v1Vectors);

    // Searches answer from the new version, with the curated text and the new model's captioning defaults.
    expect(v2.search.captioning).toMatchObject({ strategy: "fused", neighbours: 3, consensus: null });
    const image = await ctx.db.prisma.image.findFirstOrThrow({ where: { externalId: "S2_0" } });
    const captions = await v2.search.captionImage({ imageId: image.id }, { k: 10 });
    expect(captions.every((c) => c.model.modelVersionId === v2.model.modelVersionId && c.strategy === "fused")).toBe(true);
    expect(captions.map((c) => c.text)).toContain("Axial CT of the liver shows a hypodense cyst.");
    expect(captions.map((c) => c.text)).not.toContain(CAPTIONS[0]);
    const hits = await v2.search.searchImages("liver cyst", { k: 3 });
    expect(hits.every((h) => h.model.modelVersionId === v2.model.modelVersionId)).toBe(true);
    // The old run is still listed under the old version; a new run lands under the new one.
    const run2 = await new EvaluationService(ctx.db.prisma, v2).run({ protocol: "caption-library", split: "DEV" });
    expect(run2.params).toMatchObject({ strategy: "fused", neighbours: 3, consensus: "off", libraryImages: 4 });
    expect(await ctx.db.prisma.evaluationRun.count({ where: { modelVersionId: v2.model.modelVersionId } })).toBe(1);
  });
});
