// `medcap eval` against the toolkit's own computation for a committed model (manifest.metrics.dev),
// on the real MedPix 2.0 dev split: the same model must give the same numbers in both stacks.
// A model trained on train+dev (v2) carries no dev metrics (dev is not held out for it); the check
// then runs on the newest committed model folder that has them.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.js";
import type { AppContext } from "../src/core/app.context.js";
import { EvaluationService } from "../src/eval/evaluation.service.js";
import { ImportService } from "../src/ingest/import.service.js";
import { readMedpix } from "../src/ingest/medpix.reader.js";
import { openRetrieval, type Retrieval } from "../src/search/retrieval.context.js";
import type { QdrantVectorStore } from "../src/vectors/qdrant.store.js";
import { bytesToVector } from "../src/vectors/vector.store.js";
import { openTestApp } from "./app.fixture.js";
import { requireMedpix } from "./medpix.paths.js";
import { qdrantTitle, qdrantUrl } from "./qdrant.suite.js";

const modelsRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../models");
const withDevMetrics = (dir: string) => {
  const file = path.join(dir, "manifest.json");
  return existsSync(file) && JSON.parse(readFileSync(file, "utf8")).metrics?.dev?.retrieval !== undefined;
};
const modelDir = (() => {
  const def = loadConfig({}).modelDir;
  if (withDevMetrics(def)) return def;
  const folders = readdirSync(modelsRoot).sort().reverse();
  return folders.map((d) => path.join(modelsRoot, d)).find(withDevMetrics);
})();

let ctx: AppContext;
let r: Retrieval;
let toolkit: {
  retrieval: Record<"imageToText" | "textToImage", Record<string, number>>;
  "caption-library": { model: Record<string, number>; librarySize: number };
  "seed-template": { model: Record<string, number> };
};

beforeAll(async () => {
  if (!modelDir) return;
  ctx = await openTestApp({ MEDCAP_MODEL_DIR: modelDir });
  const manifest = JSON.parse(readFileSync(path.join(modelDir, "manifest.json"), "utf8"));
  toolkit = manifest.metrics.dev;
  await new ImportService(ctx.db.prisma, ctx.images, ctx.logger).importDataset(await readMedpix(requireMedpix()));
  r = await openRetrieval(ctx);
  await r.indexer.indexAll(r.model);
}, 600_000);
afterAll(async () => {
  await r?.close();
  await ctx?.close();
});

describe.skipIf(!modelDir)(
  `medcap eval agrees with the toolkit on MedPix dev (${path.basename(modelDir ?? "no model with dev metrics")})`,
  () => {
    it("retrieval: identical Recall@1/5/10, MRR and median rank in both directions", async () => {
      const result = await new EvaluationService(ctx.db.prisma, r).run({ protocol: "retrieval", split: "DEV" });
      const m = result.metrics as Record<"imageToText" | "textToImage", Record<string, number>>;
      for (const dir of ["imageToText", "textToImage"] as const) {
        const t = toolkit.retrieval[dir];
        expect(m[dir]?.queries).toBe(197);
        expect(m[dir]?.R1).toBeCloseTo(t["R@1"] as number, 5);
        expect(m[dir]?.R5).toBeCloseTo(t["R@5"] as number, 5);
        expect(m[dir]?.R10).toBeCloseTo(t["R@10"] as number, 5);
        expect(m[dir]?.MRR).toBeCloseTo(t.MRR as number, 5);
        expect(m[dir]?.medianRank).toBe(t.medianRank);
      }
      const stored = await ctx.db.prisma.evaluationRun.findUniqueOrThrow({ where: { id: result.runId } });
      expect(stored).toMatchObject({ protocol: "retrieval", split: "DEV", modelVersionId: r.model.modelVersionId });
    });

    it("caption-library (plain nearest caption): the toolkit's scores, up to its simpler tokenizer", async () => {
      // The toolkit tokenizes with a regex; MedCap with coco-caption's PTB rules (checked against
      // pycocoevalcap). Scored with the toolkit's tokenizer, MedCap's predictions give exactly the
      // toolkit's numbers; with PTB tokens the metrics move by a few thousandths.
      const result = await new EvaluationService(ctx.db.prisma, r).run({
        protocol: "caption-library",
        split: "DEV",
        strategy: "text",
        consensus: null,
      });
      const m = (result.metrics as { model: Record<string, number> }).model;
      expect(result.params.libraryCaptions).toBe(toolkit["caption-library"].librarySize);
      expect(Math.abs((m.CIDEr as number) - (toolkit["caption-library"].model.CIDEr as number))).toBeLessThan(0.005);
      expect(Math.abs((m.ROUGE_L as number) - (toolkit["caption-library"].model.ROUGE_L as number))).toBeLessThan(0.005);
      expect(result.items).toHaveLength(197);
    });

    it("seed-template: the toolkit's scores, up to tokenization", async () => {
      const result = await new EvaluationService(ctx.db.prisma, r).run({ protocol: "seed-template", split: "DEV" });
      const m = (result.metrics as { model: Record<string, number> }).model;
      expect(Math.abs((m.BLEU_4 as number) - (toolkit["seed-template"].model.BLEU_4 as number))).toBeLessThan(0.01);
      expect(Math.abs((m.CIDEr as number) - (toolkit["seed-template"].model.CIDEr as number))).toBeLessThan(0.02);
    });
  },
);

// Here rather than in a file of its own: MedPix is imported and indexed once per run (minutes on 2 cores).
describe.skipIf(!qdrantUrl)(qdrantTitle("Qdrant answers MedPix exactly like the embedded store"), () => {
  let q: Retrieval;
  beforeAll(async () => {
    // The data folder was indexed with the embedded store; Qdrant starts empty and is filled from Postgres.
    const config = { ...ctx.config, vectorStore: "qdrant" as const, qdrant: { ...ctx.config.qdrant, url: qdrantUrl } };
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
