// `medcap eval` against the toolkit's own computation for the default model (medcap-base-v3) on the
// real MedPix 2.0 dev split, prediction by prediction. The toolkit's side is committed next to this
// file (eval.agreement.v3-dev.json, written by `python -m medcap_toolkit eval --model-dir
// ../medcap-base-v3 --split dev --no-meteor --predictions ...` with the same ONNX files): its
// retrieval metrics and, per dev image, the nearest library caption it picked and by what margin.
// v3 (v2's towers) was trained on train+dev, so these are agreement checks, not quality estimates.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.js";
import type { AppContext } from "../src/core/app.context.js";
import { type AnatomyAgreement, readAnatomyAgreement } from "../src/eval/anatomy.agreement.js";
import { EvaluationService } from "../src/eval/evaluation.service.js";
import { corpusBleu, type TokenizedItem } from "../src/scoring/bleu.metric.js";
import { corpusCider } from "../src/scoring/cider.metric.js";
import { corpusRougeL } from "../src/scoring/rouge.metric.js";
import { ImportService } from "../src/ingest/import.service.js";
import { readMedpix } from "../src/ingest/medpix.reader.js";
import { openRetrieval, type Retrieval } from "../src/app/retrieval.composition.js";
import type { QdrantVectorStore } from "../src/vectors/qdrant.store.js";
import { bytesToVector } from "../src/vectors/vector.store.js";
import { openTestApp } from "./app.fixture.js";
import { requireMedpix } from "./medpix.paths.js";
import { qdrantTitle, qdrantUrl } from "./qdrant.suite.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const modelDir = loadConfig({}).modelDir;
type Scores = Record<string, number>;
const toolkit = JSON.parse(readFileSync(path.join(here, "eval.agreement.v3-dev.json"), "utf8")) as {
  model: string;
  files: Record<string, string>;
  metrics: {
    retrieval: Record<"imageToText" | "textToImage", Scores>;
    "caption-library": { model: Scores; librarySize: number };
    "seed-template": { model: Scores };
  };
  items: { imageId: string; prediction: string; cosine: number; margin: number }[];
};
// Two library captions closer than this (cosine) are a tie that float summation order may decide
// either way: the Node and Python builds of ONNX Runtime do not add in the same order.
const NEAR_TIE = 1e-4;
// The toolkit's caption tokenizer (medcap_toolkit/metrics.py `caption_tokens`; an empty caption
// scores as the word "empty"), to score MedCap's predictions exactly as the toolkit scores its own.
const toolkitTokens = (text: string): string[] => {
  const tokens = text.toLowerCase().match(/[a-z0-9]+(?:[.'][a-z0-9]+)*/g) ?? [];
  return tokens.length ? tokens : ["empty"];
};

/**
 * The anatomy agreement of a run on the 197 dev images: every figure a share with a floor below 1, the
 * grouped region never below the raw one (grouping only merges), and the model above chance on modality.
 */
function expectAnatomy(metrics: unknown, protocol: string, withAllOfTop5: boolean): AnatomyAgreement {
  const anatomy = readAnatomyAgreement(metrics) as AnatomyAgreement;
  expect(anatomy, `${protocol}: metrics.anatomy`).not.toBeNull();
  expect(Object.keys(anatomy.top1).sort()).toEqual(["modality", "plane", "regionGrouped", "regionRaw"]);
  if (withAllOfTop5) expect(Object.keys(anatomy.allOfTop5 ?? {}).sort()).toEqual(["modality", "plane", "regionGrouped"]);
  else expect(anatomy.allOfTop5).toBeUndefined();
  const figures = [...Object.entries(anatomy.top1), ...Object.entries(anatomy.allOfTop5 ?? {}).map(([k, f]) => [`${k}@all5`, f] as const)];
  for (const [name, f] of figures) {
    expect(f.n, `${protocol} ${name}: n`).toBeGreaterThan(0);
    expect(f.n, `${protocol} ${name}: n`).toBeLessThanOrEqual(197);
    expect(f.value, `${protocol} ${name}`).toBeGreaterThanOrEqual(0);
    expect(f.value, `${protocol} ${name}`).toBeLessThanOrEqual(1);
    expect(f.floor, `${protocol} ${name}: floor`).toBeGreaterThan(0);
    expect(f.floor, `${protocol} ${name}: floor`).toBeLessThan(1);
  }
  const { regionRaw, regionGrouped, modality } = anatomy.top1;
  expect(anatomy.top1.modality.n).toBe(197); // every MedPix image has a modality
  expect(regionGrouped.n).toBe(regionRaw?.n);
  expect(regionGrouped.value).toBeGreaterThanOrEqual(regionRaw?.value as number);
  expect(regionGrouped.floor).toBeGreaterThanOrEqual(regionRaw?.floor as number);
  expect(modality.value).toBeGreaterThan(modality.floor as number);
  process.stdout.write(
    `${protocol} anatomy agreement (${anatomy.basis}): ${figures.map(([name, f]) => `${name} ${f.value} (floor ${f.floor}, n ${f.n})`).join(", ")}\n`,
  );
  return anatomy;
}

let ctx: AppContext;
let r: Retrieval;

beforeAll(async () => {
  ctx = await openTestApp({ MEDCAP_MODEL_DIR: modelDir });
  await new ImportService(ctx.db.prisma, ctx.images, ctx.logger).importDataset(await readMedpix(requireMedpix()));
  r = await openRetrieval(ctx);
  await r.indexer.indexAll(r.model);
}, 600_000);
afterAll(async () => {
  await r?.close();
  await ctx?.close();
});

describe(`medcap eval agrees with the toolkit on MedPix dev (${path.basename(modelDir)})`, () => {
  it("the toolkit's reference was computed with the served model's very files", () => {
    const sha = (f: string) =>
      createHash("sha256")
        .update(readFileSync(path.join(modelDir, f)))
        .digest("hex");
    expect(r.model.name).toBe(toolkit.model);
    for (const [file, digest] of Object.entries(toolkit.files)) expect(sha(file), file).toBe(digest);
  });

  it("retrieval: identical Recall@1/5/10, MRR and median rank in both directions", async () => {
    const result = await new EvaluationService(ctx.db.prisma, r).run({ protocol: "retrieval", split: "DEV" });
    const m = result.metrics as Record<"imageToText" | "textToImage", Scores>;
    for (const dir of ["imageToText", "textToImage"] as const) {
      const t = toolkit.metrics.retrieval[dir];
      expect(m[dir]?.queries).toBe(197);
      expect(m[dir]?.R1).toBeCloseTo(t["R@1"] as number, 5);
      expect(m[dir]?.R5).toBeCloseTo(t["R@5"] as number, 5);
      expect(m[dir]?.R10).toBeCloseTo(t["R@10"] as number, 5);
      expect(m[dir]?.MRR).toBeCloseTo(t.MRR as number, 4);
      expect(m[dir]?.medianRank).toBe(t.medianRank);
    }
    const stored = await ctx.db.prisma.evaluationRun.findUniqueOrThrow({ where: { id: result.runId } });
    expect(stored).toMatchObject({ protocol: "retrieval", split: "DEV", modelVersionId: r.model.modelVersionId });
    expect(readAnatomyAgreement(stored.metrics)).toEqual(expectAnatomy(result.metrics, "retrieval", false));
  });

  it("caption-library (plain nearest caption): the toolkit's caption for every dev image", async () => {
    const result = await new EvaluationService(ctx.db.prisma, r).run({
      protocol: "caption-library",
      split: "DEV",
      strategy: "text",
      consensus: null,
      // the toolkit's reference ranks without the attribute prior (v3 applies it by default)
      attributePrior: false,
    });
    expect(result.params.libraryCaptions).toBe(toolkit.metrics["caption-library"].librarySize);
    const stored = await ctx.db.prisma.evaluationRun.findUniqueOrThrow({ where: { id: result.runId } });
    expect(readAnatomyAgreement(stored.metrics)).toEqual(expectAnatomy(result.metrics, "caption-library", true));
    // Every dev image has five captions behind its all-of-top-5 figures.
    for (const item of result.items) expect((item.provenanceImageIds as unknown[]).length).toBe(5);
    const images = await ctx.db.prisma.image.findMany({ select: { id: true, externalId: true } });
    const external = new Map(images.map((i) => [i.id, i.externalId]));
    const ours = new Map(result.items.map((item) => [external.get(item.imageId as string), item as { prediction: string; score: number }]));
    expect(ours.size).toBe(197);
    expect(toolkit.items).toHaveLength(197);
    const differ: string[] = [];
    for (const t of toolkit.items) {
      const o = ours.get(t.imageId);
      expect(o, t.imageId).toBeDefined();
      expect(Math.abs((o?.score ?? 0) - t.cosine), t.imageId).toBeLessThan(1e-3); // `score` is the cosine for `text`
      if (o?.prediction === t.prediction) continue;
      differ.push(t.imageId);
      // a different pick is only allowed where the toolkit's two best captions were a near-tie
      expect(t.margin, `${t.imageId}: "${o?.prediction}" vs the toolkit's "${t.prediction}"`).toBeLessThan(NEAR_TIE);
    }
    process.stdout.write(
      `caption-library agreement: ${197 - differ.length}/197 identical predictions${differ.length ? ` (near-ties: ${differ.join(", ")})` : ""}\n`,
    );
    // Scored with the toolkit's tokenizer, MedCap's predictions give the toolkit's numbers exactly.
    const t = toolkit.metrics["caption-library"].model;
    const tokenized: TokenizedItem[] = result.items.map((item) => ({
      candidate: toolkitTokens(item.prediction as string),
      references: (item.references as string[]).map(toolkitTokens),
    }));
    expect(corpusCider(tokenized).score).toBeCloseTo(t.CIDEr as number, 6);
    expect(corpusRougeL(tokenized)).toBeCloseTo(t.ROUGE_L as number, 6);
    expect(corpusBleu(tokenized, 4)[3]).toBeCloseTo(t.BLEU_4 as number, 6);
    // MedCap's own scores use coco-caption's PTB tokenization, which keeps punctuation and splits
    // differently: the same predictions then score a few thousandths apart (CIDEr-D 0.0056 for v2).
    const m = (result.metrics as { model: Scores }).model;
    process.stdout.write(
      `caption-library, PTB vs the toolkit's tokenizer: CIDEr-D ${m.CIDEr} vs ${t.CIDEr}, ROUGE-L ${m.ROUGE_L} vs ${t.ROUGE_L}\n`,
    );
    expect(Math.abs((m.CIDEr as number) - (t.CIDEr as number))).toBeLessThan(0.01);
    expect(Math.abs((m.ROUGE_L as number) - (t.ROUGE_L as number))).toBeLessThan(0.01);
  });

  it("seed-template: the toolkit's scores, up to tokenization", async () => {
    const result = await new EvaluationService(ctx.db.prisma, r).run({ protocol: "seed-template", split: "DEV" });
    const m = (result.metrics as { model: Scores }).model;
    const t = toolkit.metrics["seed-template"].model;
    expect(Math.abs((m.BLEU_4 as number) - (t.BLEU_4 as number))).toBeLessThan(0.01);
    expect(Math.abs((m.CIDEr as number) - (t.CIDEr as number))).toBeLessThan(0.02);
  });
});

// Here rather than in a file of its own: MedPix is imported and indexed once per run (minutes on 2 cores).
describe.skipIf(!qdrantUrl)(qdrantTitle("Qdrant answers MedPix exactly like the embedded store"), () => {
  let q: Retrieval;
  beforeAll(async () => {
    // The data folder was indexed with the embedded store; Qdrant starts empty and is filled from Postgres.
    const config = { ...ctx.config, vectorStore: "qdrant" as const, qdrant: { ...ctx.config.qdrant, url: qdrantUrl, urls: [qdrantUrl] } };
    q = await openRetrieval({ ...ctx, config });
  }, 300_000);
  afterAll(async () => {
    await q?.close();
  });

  it("holds every vector of the embedded store after opening on a folder indexed without it", async () => {
    const state = await q.indexer.storeState(q.model);
    expect(state.inSync).toBe(true);
    expect(state.store).toEqual({
      IMAGE: await r.store.count(r.model.modelVersionId, "IMAGE"),
      CAPTION: await r.store.count(r.model.modelVersionId, "CAPTION"),
    });
    expect(state.store.IMAGE).toBe(1850);
    expect(await (q.store as QdrantVectorStore).searchesExactly(q.model.modelVersionId)).toBe(true);
  });

  it("gives the same top-10 ids and scores for every dev image, both kinds, with and without filters", async () => {
    const mv = r.model.modelVersionId;
    const dev = await ctx.db.prisma.image.findMany({ where: { case: { split: "DEV" } }, select: { id: true }, orderBy: { id: "asc" } });
    expect(dev).toHaveLength(197);
    const filters = [undefined, { splits: ["TRAIN" as const] }, { modalities: ["MR" as const], planes: ["Axial"] }];
    let searches = 0;
    let sameRank = 0;
    let maxDelta = 0;
    const rows = await ctx.db.prisma.embedding.findMany({
      where: { modelVersionId: mv, kind: "IMAGE", targetId: { in: dev.map((d) => d.id) } },
      select: { targetId: true, vector: true },
    });
    const vectors = new Map(rows.map((row) => [row.targetId, bytesToVector(row.vector)]));
    for (const { id } of dev) {
      const vector = vectors.get(id) as Float32Array;
      for (const kind of ["IMAGE", "CAPTION"] as const) {
        for (const filter of filters) {
          const request = { kind, k: 10, filter, excludeTargetIds: kind === "IMAGE" ? [id] : undefined };
          const [embedded, wide, qdrant] = await Promise.all([
            r.store.search(mv, vector, request),
            r.store.search(mv, vector, { ...request, k: 60 }),
            q.store.search(mv, vector, request),
          ]);
          searches++;
          expect(qdrant).toHaveLength(embedded.length);
          // Captions repeat (same text, same vector), so equal scores may come in either order:
          // every rank's score must agree, and every id Qdrant returns must have that score here.
          const scoreHere = new Map(wide.map((h) => [h.payload.targetId, h.score]));
          qdrant.forEach((h, i) => {
            const e = embedded[i] as (typeof embedded)[number];
            maxDelta = Math.max(maxDelta, Math.abs(h.score - e.score));
            expect(Math.abs(h.score - e.score)).toBeLessThan(1e-5);
            expect(Math.abs((scoreHere.get(h.payload.targetId) ?? Number.NaN) - h.score)).toBeLessThan(1e-5);
            if (h.payload.targetId === e.payload.targetId) sameRank++;
          });
        }
      }
    }
    expect(searches).toBe(197 * 2 * filters.length);
    process.stdout.write(
      `qdrant parity: ${searches} searches, ${sameRank} of ${searches * 10} ranks with the very same id, max |score delta| ${maxDelta.toExponential(2)}\n`,
    );
  }, 300_000);
});
