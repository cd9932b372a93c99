// Medium tests: indexing and search with the committed model, real ONNX sessions and PostgreSQL,
// once over the embedded store and once over the Qdrant server of the test run (skipped, with the
// reason in the suite's name, when there is none).
import { readFile, writeFile } from "node:fs/promises";
import type { Split } from "@medcap/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, syntheticPng } from "../../test/app.fixture.js";
import { qdrantTitle, qdrantUrl } from "../../test/qdrant.suite.js";
import type { AppContext } from "../core/app.context.js";
import { ImportService } from "../ingest/import.service.js";
import { openRetrieval, type Retrieval } from "../app/retrieval.composition.js";

const CAPTIONS = [
  "Axial CT of the liver shows a hypodense lesion.",
  "Axial CT of the liver shows a hypodense lesion.", // repeated within the case, as in MedPix
  "Sagittal T2 MR of the lumbar spine with disc herniation.",
  "Coronal CT of the chest with a right upper lobe mass.",
  "Axial FLAIR MR of the brain showing periventricular lesions.",
  "Frontal chest radiograph with cardiomegaly.",
];

const stores: { name: string; env: Record<string, string>; skip: boolean }[] = [
  { name: "embedded store", env: {}, skip: false },
  {
    name: qdrantTitle("Qdrant store"),
    env: { MEDCAP_VECTOR_STORE: "qdrant", QDRANT_URL: qdrantUrl || "http://127.0.0.1:1" },
    skip: !qdrantUrl,
  },
];

describe.each(stores)("index and search services over the $name", ({ env, skip }) => {
  if (skip) {
    it.skip("needs a Qdrant server", () => {});
    return;
  }
  let ctx: AppContext;

  beforeAll(async () => {
    ctx = await openTestApp({ MEDCAP_BATCH_MAX: "2", ...env });
    const cases = await Promise.all(
      [0, 1, 2].map(async (c) => ({
        externalId: `C${c}`,
        split: (c === 2 ? "DEV" : "TRAIN") as Split,
        title: `Case ${c}`,
        images: await Promise.all(
          [0, 1].map(async (i) => {
            const n = c * 2 + i;
            const file = `${ctx.config.dataDir}/src-${n}.png`;
            await import("node:fs/promises").then((fs) => syntheticPng(n).then((b) => fs.writeFile(file, b)));
            return {
              externalId: `C${c}_${i}`,
              file,
              caption: CAPTIONS[n] as string,
              modality: n % 2 ? ("MR" as const) : ("CT" as const),
              plane: "Axial",
            };
          }),
        ),
      })),
    );
    await new ImportService(ctx.db.prisma, ctx.images, ctx.logger).importDataset({
      dataset: { name: "fixture", source: "test" },
      cases,
      problems: [],
    });
  });
  afterAll(async () => {
    await ctx?.close();
  });

  async function counts(r: Retrieval) {
    return {
      rows: await ctx.db.prisma.embedding.count({ where: { modelVersionId: r.model.modelVersionId } }),
      images: await r.store.count(r.model.modelVersionId, "IMAGE"),
      captions: await r.store.count(r.model.modelVersionId, "CAPTION"),
    };
  }

  describe("indexing", () => {
    it("resumes after an interrupted run without duplicates, and a second run has nothing to do", async () => {
      const first = await openRetrieval(ctx);
      const abort = new AbortController();
      await expect(
        first.indexer.indexAll(
          first.model,
          (p) => {
            if (p.phase === "images" && p.done >= 2) abort.abort(new Error("simulated crash"));
          },
          abort.signal,
        ),
      ).rejects.toThrow(/simulated crash/);
      expect((await counts(first)).rows).toBe(2); // the committed batch survives
      await first.close();

      // A new process: vectors reload from Postgres, the rest is encoded.
      const second = await openRetrieval(ctx);
      expect(await second.store.count(second.model.modelVersionId, "IMAGE")).toBe(2);
      const report = await second.indexer.indexAll(second.model);
      expect(report.images).toBe(4);
      expect(report.captions).toBe(6);
      expect(report.captionsReused).toBeGreaterThanOrEqual(1); // the repeated caption is encoded once
      expect(await counts(second)).toEqual({ rows: 12, images: 6, captions: 6 });
      const again = await second.indexer.indexAll(second.model);
      expect(again).toMatchObject({ images: 0, captions: 0 });
      await second.close();
    });
  });

  describe("search", () => {
    let r: Retrieval;
    beforeAll(async () => {
      r = await openRetrieval(ctx);
      await r.indexer.indexAll(r.model);
    });
    afterAll(async () => {
      await r?.close();
    });

    it("captions an image with distinct texts, scores, provenance and model version", async () => {
      const image = await ctx.db.prisma.image.findFirstOrThrow({ where: { externalId: "C0_0" } });
      const captions = await r.search.captionImage({ imageId: image.id }, { k: 10 });
      const texts = captions.map((c) => c.text);
      expect(new Set(texts).size).toBe(texts.length);
      expect(texts).toHaveLength(5); // six caption rows, five distinct texts
      const repeated = captions.find((c) => c.text.startsWith("Axial CT of the liver"));
      expect(repeated?.imageIds).toHaveLength(2);
      expect(repeated?.caseIds).toHaveLength(1);
      for (const c of captions) {
        expect(c.model.modelVersionId).toBe(r.model.modelVersionId);
        expect(c.score).toBeGreaterThan(-1.0001);
        expect(c.score).toBeLessThan(1.0001);
      }
      const bytes = await syntheticPng(0);
      const uploaded = await r.search.captionImage({ bytes }, { k: 3, filter: { splits: ["DEV"] } });
      const devTexts = new Set([CAPTIONS[4], CAPTIONS[5]]);
      for (const c of uploaded) expect(devTexts.has(c.text)).toBe(true);
    });

    it("finds images for text, respecting filters and k", async () => {
      const hits = await r.search.searchImages("axial CT of the liver", { k: 3 });
      expect(hits).toHaveLength(3);
      const mr = await r.search.searchImages("brain", { k: 10, filter: { modalities: ["MR"] } });
      const images = await ctx.db.prisma.image.findMany({ where: { id: { in: mr.map((h) => h.imageId) } } });
      expect(images.every((i) => i.modality === "MR")).toBe(true);
      await expect(r.search.searchImages("   ", { k: 3 })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    });

    it("finds similar images, excluding the query and optionally its case", async () => {
      const image = await ctx.db.prisma.image.findFirstOrThrow({ where: { externalId: "C1_0" } });
      const all = await r.search.similarImages({ imageId: image.id }, { k: 10 });
      expect(all.map((h) => h.imageId)).not.toContain(image.id);
      expect(all).toHaveLength(5);
      const other = await r.search.similarImages({ imageId: image.id }, { k: 10, excludeSameCase: true });
      expect(other).toHaveLength(4);
      expect(other.every((h) => h.caseId !== image.caseId)).toBe(true);
      await expect(r.search.similarImages({ imageId: "nope" }, { k: 3 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("re-encodes an edited caption: the old text disappears, the new one is found", async () => {
      const image = await ctx.db.prisma.image.findFirstOrThrow({ where: { externalId: "C2_1" }, include: { captions: true } });
      const old = image.captions[0]!;
      const edited = await ctx.db.prisma.$transaction(async (tx) => {
        await tx.caption.update({ where: { id: old.id }, data: { isCurrent: false } });
        return tx.caption.create({
          data: { imageId: image.id, text: "Frontal chest radiograph, corrected: normal heart size.", source: "CURATED" },
        });
      });
      await r.search.reindexCaption(edited.id);
      const captions = await r.search.captionImage({ imageId: image.id }, { k: 10 });
      const texts = captions.map((c) => c.text);
      expect(texts).toContain("Frontal chest radiograph, corrected: normal heart size.");
      expect(texts).not.toContain(old.text);
      expect(await r.store.count(r.model.modelVersionId, "CAPTION")).toBe(6);
    });
  });
  describe("a store out of step with Postgres", () => {
    it("is detected and rebuilt from Postgres without encoding: by indexAll and when retrieval opens", async () => {
      const r = await openRetrieval(ctx);
      const mv = r.model.modelVersionId;
      expect((await r.indexer.storeState(r.model)).inSync).toBe(true);
      const expected = await r.indexer.storeState(r.model);
      // What a fresh Qdrant next to an already indexed data folder looks like.
      await r.store.dropCollection(mv);
      const lost = await r.indexer.storeState(r.model);
      expect(lost).toMatchObject({ inSync: false, store: { IMAGE: 0, CAPTION: 0 } });
      const phases = new Set<string>();
      const report = await r.indexer.indexAll(r.model, (p) => phases.add(p.phase));
      expect(report).toMatchObject({ images: 0, captions: 0, restored: expected.postgres.IMAGE + expected.postgres.CAPTION });
      expect(phases).toEqual(new Set(["store"]));
      expect(await r.indexer.storeState(r.model)).toEqual(expected);
      await r.store.dropCollection(mv);
      await r.close();
      if (env.MEDCAP_VECTOR_STORE === "qdrant") {
        // Qdrant outlives the process: opening retrieval restores it (the embedded store reloads anyway).
        const reopened = await openRetrieval(ctx);
        expect(await reopened.indexer.storeState(reopened.model)).toEqual(expected);
        await reopened.close();
      }
    });

    it("keeps answering in full while the collection is rebuilt (blue/green)", async () => {
      const r = await openRetrieval(ctx);
      const mv = r.model.modelVersionId;
      const total = (await r.indexer.storeState(r.model)).store.IMAGE;
      const query = (await r.repo.vectorOf(mv, "IMAGE", (await ctx.db.prisma.image.findFirstOrThrow()).id)) as Float32Array;
      let rebuilding = true;
      const answers: number[] = [];
      const searching = (async () => {
        while (rebuilding) {
          answers.push((await r.store.search(mv, query, { kind: "IMAGE", k: 10 })).length);
          await new Promise((resolve) => setImmediate(resolve)); // the embedded store answers without I/O: let the rebuild run
        }
      })();
      await r.store.rebuild(mv, r.encoder.dim, r.repo.points(mv));
      rebuilding = false;
      await searching;
      expect(answers.length).toBeGreaterThan(0);
      expect(new Set(answers)).toEqual(new Set([total]));
      expect((await r.indexer.storeState(r.model)).inSync).toBe(true);
      await r.close();
    });
  });
});

describe("indexing stopped by a bad image file", () => {
  let ctx: AppContext;
  beforeAll(async () => {
    ctx = await openTestApp({ MEDCAP_BATCH_MAX: "2" });
    const images = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async (n) => {
        const file = `${ctx.config.dataDir}/bad-src-${n}.png`;
        await writeFile(file, await syntheticPng(n));
        return { externalId: `B0_${n}`, file, caption: CAPTIONS[n] as string, modality: "CT" as const, plane: "Axial" };
      }),
    );
    await new ImportService(ctx.db.prisma, ctx.images, ctx.logger).importDataset({
      dataset: { name: "fixture", source: "test" },
      cases: [{ externalId: "B0", split: "TRAIN", title: "Case B0", images }],
      problems: [],
    });
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it("writes the batches before it, throws its typed error, and a rerun after the fix finishes the rest", async () => {
    // Images are indexed in id order, two per batch: the fourth is the second of batch 2.
    const ordered = await ctx.db.prisma.image.findMany({ orderBy: { id: "asc" }, select: { id: true, storedPath: true } });
    const bad = ordered[3] as { storedPath: string };
    const file = ctx.images.absolute(bad.storedPath);
    const original = await readFile(file);
    await writeFile(file, original.subarray(0, original.length - 30));

    const r = await openRetrieval(ctx);
    try {
      const progress: number[] = [];
      const err = await r.indexer.indexAll(r.model, (p) => p.phase === "images" && progress.push(p.done)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "BAD_USER_INPUT", details: { index: 1 } });
      expect((err as Error).message).toMatch(/^image 1: could not decode the png image \(corrupt or truncated\)/);
      // Batch 1 was written (and reported); neither batch 2 nor batch 3, which the pipeline may have prepared, was.
      expect(progress).toEqual([2]);
      const stored = await ctx.db.prisma.embedding.findMany({
        where: { modelVersionId: r.model.modelVersionId },
        select: { targetId: true },
      });
      expect(stored.map((e) => e.targetId).sort()).toEqual(ordered.slice(0, 2).map((i) => i.id));
      expect(await r.store.count(r.model.modelVersionId, "IMAGE")).toBe(2);

      await writeFile(file, original);
      const report = await r.indexer.indexAll(r.model);
      expect(report.images).toBe(4);
      expect(await r.store.count(r.model.modelVersionId, "IMAGE")).toBe(6);
    } finally {
      await r.close();
    }
  });
});

describe("caption phase across neighbouring batches", () => {
  let ctx: AppContext;
  afterAll(async () => {
    await ctx?.close();
  });

  it("encodes every distinct text once although the next batch is looked up before this one is stored", async () => {
    // One image per batch, so captions go four per batch: six captions, four distinct texts.
    ctx = await openTestApp({ MEDCAP_BATCH_MAX: "1" });
    const texts = [0, 1, 2, 3, 0, 1].map((n) => CAPTIONS[n + 2] as string);
    const images = await Promise.all(
      texts.map(async (caption, n) => {
        const file = `${ctx.config.dataDir}/reuse-src-${n}.png`;
        await writeFile(file, await syntheticPng(20 + n));
        return { externalId: `R0_${n}`, file, caption, modality: "CT" as const, plane: "Axial" };
      }),
    );
    await new ImportService(ctx.db.prisma, ctx.images, ctx.logger).importDataset({
      dataset: { name: "fixture", source: "test" },
      cases: [{ externalId: "R0", split: "TRAIN", title: "Case R0", images }],
      problems: [],
    });
    const r = await openRetrieval(ctx);
    try {
      const progress: number[] = [];
      const report = await r.indexer.indexAll(r.model, (p) => p.phase === "captions" && progress.push(p.done));
      expect(new Set(texts).size).toBe(4);
      expect(report).toMatchObject({ images: 6, captions: 6, captionsReused: 2 });
      expect(progress).toEqual([4, 6]);
      expect(await r.store.count(r.model.modelVersionId, "CAPTION")).toBe(6);
    } finally {
      await r.close();
    }
  });
});
