// Medium tests of captioning strategies through the real service (PostgreSQL, the vector store, the
// tiny ONNX fixture model), checked against a brute-force reading of the issue #11 spec computed here
// from the stored vectors over the WHOLE library: the service's shortlist + neighbour search must
// give exactly the same ranking, and `medcap eval --protocol caption-library` the same predictions.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeFile } from "node:fs/promises";
import type { Split } from "@medcap/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, syntheticPng } from "../../test/app.fixture.js";
import type { AppContext } from "../core/app.context.js";
import { EvaluationService } from "../eval/evaluation.service.js";
import { normalizeCaptionText } from "../scoring/retrieval.metric.js";
import { ImportService } from "../ingest/import.service.js";
import { bytesToVector } from "../vectors/vector.store.js";
import type { CaptioningSettings } from "./caption.strategy.js";
import { openRetrieval, type Retrieval } from "../app/retrieval.composition.js";

const tinyDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "encoders", "fixtures", "tiny-model");
const TEXTS = [
  "Axial CT of the liver shows a hypodense lesion.",
  "Sagittal T2 MR of the lumbar spine with disc herniation.",
  "Coronal CT of the chest with a right upper lobe mass.",
  "Axial FLAIR MR of the brain showing periventricular lesions.",
  "Frontal chest radiograph with cardiomegaly.",
];

let ctx: AppContext;
let r: Retrieval;

beforeAll(async () => {
  ctx = await openTestApp({ MEDCAP_MODEL_DIR: tinyDir });
  const cases = await Promise.all(
    [0, 1, 2, 3].map(async (c) => ({
      externalId: `K${c}`,
      split: (c === 3 ? "DEV" : "TRAIN") as Split,
      title: `Case ${c}`,
      images: await Promise.all(
        [0, 1, 2].map(async (i) => {
          const n = c * 3 + i;
          const file = path.join(ctx.config.dataDir, `src-${n}.png`);
          await writeFile(file, await syntheticPng(n * 7 + 1));
          // Captions repeat across images and cases (with stray whitespace once), as in MedPix.
          const caption = n === 4 ? `  ${TEXTS[(n * 2) % 5]}  ` : (TEXTS[(n * 2) % 5] as string);
          return { externalId: `K${c}_${i}`, file, caption, modality: "CT" as const, plane: "Axial" };
        }),
      ),
    })),
  );
  await new ImportService(ctx.db.prisma, ctx.images, ctx.logger).importDataset({
    dataset: { name: "strategies", source: "test" },
    cases,
    problems: [],
  });
  r = await openRetrieval(ctx);
  await r.indexer.indexAll(r.model);
}, 120_000);
afterAll(async () => {
  await r?.close();
  await ctx?.close();
});

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);

/** The spec, read literally, over every library image and caption (no shortlist, no store). */
async function reference(q: Float32Array, queryImageId: string, s: CaptioningSettings) {
  const rows = await ctx.db.prisma.image.findMany({
    where: { case: { split: "TRAIN" } },
    select: { id: true, captions: { where: { isCurrent: true }, select: { id: true, text: true } } },
  });
  const vectors = await ctx.db.prisma.embedding.findMany({ where: { modelVersionId: r.model.modelVersionId } });
  const vec = new Map(vectors.map((v) => [`${v.kind}:${v.targetId}`, bytesToVector(v.vector)]));
  const library = rows.map((i) => ({
    id: i.id,
    v: vec.get(`IMAGE:${i.id}`) as Float32Array,
    text: normalizeCaptionText(i.captions[0]?.text as string),
    t: vec.get(`CAPTION:${i.captions[0]?.id}`) as Float32Array,
  }));
  const cosine = new Map(library.map((l) => [l.text, dot(q, l.t)]));
  const near = library
    .filter((l) => l.id !== queryImageId)
    .map((l) => ({ ...l, s: dot(q, l.v) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, s.neighbours);
  const sMax = near[0]?.s ?? 0;
  const w = near.map((n) => Math.exp((n.s - sMax) / s.temperature));
  const total = w.reduce((a, b) => a + b, 0);
  const vote = new Map<string, number>();
  near.forEach((n, j) => {
    vote.set(n.text, (vote.get(n.text) ?? 0) + (w[j] as number) / total);
  });
  return [...cosine.entries()]
    .map(([text, c]) => {
      const v = vote.get(text) ?? 0;
      const score = s.strategy === "text" ? c : s.strategy === "images" ? v : (1 - s.weight) * c + s.weight * v;
      return { text, score, cosine: c };
    })
    .sort((a, b) => b.score - a.score || b.cosine - a.cosine || (a.text < b.text ? -1 : 1));
}

const settings = (strategy: CaptioningSettings["strategy"], neighbours = 4): CaptioningSettings => ({
  strategy,
  neighbours,
  temperature: 0.05,
  weight: 0.4,
  consensus: null,
});

describe("captioning strategies through the service", () => {
  it("rank exactly as the spec read literally over the whole library, for every strategy", async () => {
    const queries = await ctx.db.prisma.image.findMany({ where: { case: { split: "DEV" } } });
    for (const strategy of ["text", "images", "fused"] as const) {
      for (const query of queries) {
        const q = (await r.repo.vectorOf(r.model.modelVersionId, "IMAGE", query.id)) as Float32Array;
        const got = await r.search.captionsForVector(q, {
          k: 4,
          filter: { splits: ["TRAIN"] },
          queryImageId: query.id,
          ...settings(strategy),
        });
        const want = (await reference(q, query.id, settings(strategy))).slice(0, 4);
        expect(got.map((m) => m.text)).toEqual(want.map((m) => m.text));
        got.forEach((m, i) => {
          expect(m.score).toBeCloseTo(want[i]?.score as number, 5);
          expect(m.similarity).toBeCloseTo(want[i]?.cosine as number, 5);
          expect(m.strategy).toBe(strategy);
        });
        if (strategy !== "text") expect(got[0]?.supportingImages.length).toBeGreaterThan(0);
      }
    }
  });

  it("a catalogue image never votes for itself, and the filter applies to the voting images too", async () => {
    const train = await ctx.db.prisma.image.findMany({ where: { case: { split: "TRAIN" } } });
    for (const image of train) {
      const matches = await r.search.captionImage({ imageId: image.id }, { k: 5, ...settings("images", 20) });
      const voters = matches.flatMap((m) => m.supportingImages.map((s) => s.imageId));
      expect(voters).not.toContain(image.id);
      expect(new Set(voters).size).toBe(train.length + 3 - 1); // every other image votes (K = 20 > library)
      const sum = matches.reduce((a, m) => a + m.vote, 0);
      expect(sum).toBeLessThanOrEqual(1 + 1e-9);
    }
    const image = train[0]!;
    const devOnly = await r.search.captionImage({ imageId: image.id }, { k: 5, filter: { splits: ["DEV"] }, ...settings("fused", 20) });
    const dev = new Set((await ctx.db.prisma.image.findMany({ where: { case: { split: "DEV" } } })).map((i) => i.id));
    for (const m of devOnly) for (const s of m.supportingImages) expect(dev.has(s.imageId)).toBe(true);
    // Provenance names the voting images (and their cases) first.
    const top = devOnly[0]!;
    expect(top.imageIds.slice(0, top.supportingImages.length)).toEqual(top.supportingImages.map((s) => s.imageId));
    expect(top.caseIds).toContain(top.supportingImages[0]?.caseId);
  });

  it("caption-library eval predicts exactly the spec's top caption, with the train split's captions and images as library", async () => {
    const s = settings("fused", 3);
    const result = await new EvaluationService(ctx.db.prisma, r).run({ protocol: "caption-library", split: "DEV", ...s });
    expect(result.params).toMatchObject({
      strategy: "fused",
      neighbours: 3,
      temperature: 0.05,
      weight: 0.4,
      consensus: "off",
      libraryImages: 9,
    });
    for (const item of result.items as { imageId: string; prediction: string; supportingImageIds: string[] }[]) {
      const q = (await r.repo.vectorOf(r.model.modelVersionId, "IMAGE", item.imageId)) as Float32Array;
      expect(item.prediction).toBe((await reference(q, item.imageId, s))[0]?.text);
      const supporters = await ctx.db.prisma.image.findMany({ where: { id: { in: item.supportingImageIds } }, include: { case: true } });
      expect(supporters.every((i) => i.case.split === "TRAIN")).toBe(true);
    }
  });

  it("refuses out-of-range knobs with BAD_USER_INPUT", async () => {
    const image = await ctx.db.prisma.image.findFirstOrThrow();
    await expect(r.search.captionImage({ imageId: image.id }, { k: 3, neighbours: 0 })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(r.search.captionImage({ imageId: image.id }, { k: 3, temperature: -1 })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });
});

describe("caption rows read by plain SQL (issue #29: no Prisma row mapping on the captioning path)", () => {
  it("captionTexts gives findMany's rows, a caption that is no longer current included and unknown ids left out", async () => {
    const image = await ctx.db.prisma.image.findFirstOrThrow({ orderBy: { id: "asc" } });
    const old = await ctx.db.prisma.caption.create({
      data: { imageId: image.id, text: "Ältere Fassung — “quoted”, 𝛼 ", source: "GROUND_TRUTH", isCurrent: false },
    });
    try {
      const all = await ctx.db.prisma.caption.findMany({ select: { id: true, text: true }, orderBy: { id: "asc" } });
      const got = await r.repo.captionTexts([...all.map((c) => c.id), "no-such-caption"]);
      expect([...got].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(all);
      expect(got.find((c) => c.id === old.id)?.text).toBe(old.text);
      expect(await r.repo.captionTexts([])).toEqual([]);
    } finally {
      await ctx.db.prisma.caption.delete({ where: { id: old.id } });
    }
  });

  it("currentCaptionsWithVectors gives each image's current caption with its stored vector, null where it is not indexed", async () => {
    const mv = r.model.modelVersionId;
    const images = await ctx.db.prisma.image.findMany({
      select: { id: true, captions: { where: { isCurrent: true }, select: { id: true, text: true } } },
    });
    const first = images[0]?.captions[0];
    if (!first) throw new Error("fixture has no caption");
    const old = await ctx.db.prisma.caption.create({
      data: { imageId: images[0]!.id, text: "replaced", source: "GROUND_TRUTH", isCurrent: false },
    });
    const unindexed = await ctx.db.prisma.embedding.findUniqueOrThrow({
      where: { modelVersionId_kind_targetId: { modelVersionId: mv, kind: "CAPTION", targetId: first.id } },
    });
    await ctx.db.prisma.embedding.delete({ where: { id: unindexed.id } });
    try {
      const got = await r.repo.currentCaptionsWithVectors(
        mv,
        images.map((i) => i.id),
      );
      expect(got).toHaveLength(images.length);
      for (const image of images) {
        const c = image.captions[0]!;
        const row = got.find((g) => g.imageId === image.id);
        expect(row).toMatchObject({ id: c.id, text: c.text });
        if (c.id === first.id) expect(row?.vector).toBeNull();
        else expect(Array.from(row?.vector ?? [])).toEqual(Array.from((await r.repo.vectorOf(mv, "CAPTION", c.id)) as Float32Array));
      }
      expect(await r.repo.currentCaptionsWithVectors(mv, [])).toEqual([]);
    } finally {
      await ctx.db.prisma.embedding.create({ data: unindexed });
      await ctx.db.prisma.caption.delete({ where: { id: old.id } });
    }
  });

  it("a caption edited in place is served with its new text at once, by every strategy", async () => {
    const query = await ctx.db.prisma.image.findFirstOrThrow({ where: { case: { split: "DEV" } } });
    const q = (await r.repo.vectorOf(r.model.modelVersionId, "IMAGE", query.id)) as Float32Array;
    for (const strategy of ["text", "images"] as const) {
      const before = await r.search.captionsForVector(q, { k: 5, filter: { splits: ["TRAIN"] }, ...settings(strategy) });
      const top = before[0]!;
      const edited = `${top.text} (edited ${strategy})`;
      await ctx.db.prisma.caption.updateMany({ where: { id: { in: top.captionIds } }, data: { text: edited } });
      try {
        const after = await r.search.captionsForVector(q, { k: 5, filter: { splits: ["TRAIN"] }, ...settings(strategy) });
        const texts = after.map((m) => m.text);
        expect(texts).toContain(normalizeCaptionText(edited));
        expect(texts).not.toContain(top.text);
      } finally {
        // Each caption id had the same (normalised) text; put the raw texts back as they were.
        for (const id of top.captionIds) {
          const rev = await ctx.db.prisma.captionRevision.findFirst({ where: { captionId: id }, orderBy: { revision: "desc" } });
          const original = rev?.text ?? TEXTS.find((t) => normalizeCaptionText(t) === top.text) ?? top.text;
          await ctx.db.prisma.caption.update({ where: { id }, data: { text: original } });
        }
      }
    }
  });
});
