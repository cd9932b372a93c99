// Medium tests of the attribute prior (issue #24) through the real service: PostgreSQL, the embedded
// store and the tiny ONNX fixture model. The tiny model has no heads, so the query's predictions are
// handed in; what is tested is the service's side of the spec: the prior ranks over the WHOLE library
// (agreeing captions below the unfiltered shortlist are found), contradicting captions and images drop by
// the penalty, provenance lists agreeing images first, and a call can turn the prior off.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ModalityType } from "@medcap/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, syntheticPng } from "../../test/app.fixture.js";
import { type AttributePrediction, REGION_GROUP } from "../attributes/attribute.prediction.js";
import { DEMOTE } from "../attributes/attribute.prior.js";
import { regionGroup } from "../core/anatomy.regions.js";
import type { AppContext } from "../core/app.context.js";
import { ImportService } from "../ingest/import.service.js";
import { bytesToVector } from "../vectors/vector.store.js";
import { openRetrieval, type Retrieval } from "../app/retrieval.composition.js";
import { SearchService } from "./search.service.js";

const tinyDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "encoders", "fixtures", "tiny-model");
const REGIONS = ["Head", "Abdomen", "Thorax", "Reproductive and Urinary System"];
const DATASET = "medpix-2.0"; // the dataset whose grouping merges Abdomen and Reproductive/Urinary

let ctx: AppContext;
let r: Retrieval;
const meta = new Map<string, { region: string; modality: ModalityType }>();

beforeAll(async () => {
  ctx = await openTestApp({ MEDCAP_MODEL_DIR: tinyDir });
  const cases = await Promise.all(
    [0, 1, 2, 3, 4, 5].map(async (c) => ({
      externalId: `P${c}`,
      split: "TRAIN" as const,
      title: `Case ${c}`,
      images: await Promise.all(
        [0, 1, 2].map(async (i) => {
          const n = c * 3 + i;
          const file = path.join(ctx.config.dataDir, `prior-${n}.png`);
          await writeFile(file, await syntheticPng(n * 11 + 3));
          const region = REGIONS[n % 4] as string;
          const modality: ModalityType = n % 3 === 0 ? "MR" : "CT";
          meta.set(`P${c}_${i}`, { region, modality });
          return {
            externalId: `P${c}_${i}`,
            file,
            caption: `finding number ${n} of the ${region}`,
            modality,
            plane: "Axial",
            locationCategory: region,
          };
        }),
      ),
    })),
  );
  await new ImportService(ctx.db.prisma, ctx.images, ctx.logger).importDataset({
    dataset: { name: DATASET, source: "test" },
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

const prediction = (attribute: string, label: string, probability: number): AttributePrediction => ({
  attribute,
  label,
  probability,
  alternatives: [{ label, probability }],
});
const headMr = [prediction(REGION_GROUP, "Head", 0.97), prediction("modality", "MR", 0.99)];
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);

function withPrior(penalty: number | null) {
  const s = r.search;
  return new SearchService(
    ctx.db.prisma,
    r.encoder,
    r.store,
    r.repo,
    r.indexer,
    r.model,
    { ...s.captioningDefaults(), strategy: "text", consensus: null },
    undefined,
    {
      captioning: { threshold: 0.9, penalty },
      similarImages: { threshold: 0.9, penalty },
      // the tiny model has no heads: the grouping v3's manifest carries
      regionGroups: { Abdomen: "Abdomen and Pelvis", "Reproductive and Urinary System": "Abdomen and Pelvis" },
    },
  );
}

/** Every library caption and image with its vector and attributes, straight from Postgres. */
async function library() {
  const images = await ctx.db.prisma.image.findMany({
    select: {
      id: true,
      externalId: true,
      modality: true,
      locationCategory: true,
      captions: { where: { isCurrent: true }, select: { id: true, text: true } },
    },
  });
  const vectors = await ctx.db.prisma.embedding.findMany({ where: { modelVersionId: r.model.modelVersionId } });
  const vec = new Map(vectors.map((v) => [`${v.kind}:${v.targetId}`, bytesToVector(v.vector)]));
  return images.map((i) => ({
    ...i,
    group: regionGroup(DATASET, i.locationCategory),
    v: vec.get(`IMAGE:${i.id}`) as Float32Array,
    t: vec.get(`CAPTION:${i.captions[0]?.id}`) as Float32Array,
  }));
}

describe("attribute prior in captionImage", () => {
  it("ranks by cosine minus the penalty over the whole library, agreeing provenance first", async () => {
    const lib = await library();
    const q = lib.find((l) => meta.get(l.externalId)?.region === "Abdomen")?.v as Float32Array; // an abdomen image's vector
    for (const penalty of [0.05, null]) {
      const got = await withPrior(penalty).captionsForVector(q, { k: 8, attributes: headMr });
      const table = new Map(
        lib.map((l) => {
          const bad = (l.group === "Head" ? 0 : 1) + (l.modality === "MR" ? 0 : 1);
          // rank = cosine less the penalty; a demoted caption (penalty null) shows its own cosine
          const rank = dot(q, l.t) - bad * (penalty ?? DEMOTE);
          return [l.captions[0]?.text as string, { rank, score: penalty === null ? dot(q, l.t) : rank, bad }];
        }),
      );
      // The tiny model embeds these texts almost alike, so ties are common: compare the ranked scores with
      // the brute-force top 8, and each returned caption with its own brute-force score and contradictions.
      const expected = [...table.values()].map((e) => e.rank).sort((a, b) => b - a);
      for (const [i, m] of got.entries()) {
        const e = table.get(m.text);
        expect(e?.rank).toBeCloseTo(expected[i] as number, 4);
        expect(m.score).toBeCloseTo(e?.score as number, 4);
        expect(m.contradicts?.length).toBe(e?.bad);
        expect(m.restriction?.summary).toBe("restricted to Head · MR (p = 0.97 / 0.99)");
      }
      if (penalty === null) {
        // demoted: every agreeing caption (Head and MR) outranks every contradicting one
        const firstBad = got.findIndex((m) => (m.contradicts?.length ?? 0) > 0);
        const agreeing = lib.filter((l) => l.group === "Head" && l.modality === "MR").length;
        expect(firstBad).toBe(Math.min(agreeing, 8));
      }
    }
  });

  it("groups Abdomen with Reproductive/Urinary, lists agreeing images first, and can be turned off", async () => {
    const lib = await library();
    const q = lib[0]?.v as Float32Array;
    const abdomen = [prediction(REGION_GROUP, "Abdomen and Pelvis", 0.95)];
    const got = await withPrior(null).captionsForVector(q, { k: 5, attributes: abdomen });
    for (const m of got) {
      expect(m.contradicts).toEqual([]);
      const first = lib.find((l) => l.id === m.imageIds[0]);
      expect(["Abdomen", "Reproductive and Urinary System"]).toContain(first?.locationCategory);
    }
    const off = await withPrior(null).captionsForVector(q, { k: 5, attributes: abdomen, attributePrior: false });
    const plain = await withPrior(null).captionsForVector(q, { k: 5 });
    expect(off.map((m) => m.text)).toEqual(plain.map((m) => m.text));
    expect(off[0]?.restriction).toBeNull();
    // not confident enough: no restriction
    const unsure = await withPrior(null).captionsForVector(q, { k: 5, attributes: [prediction(REGION_GROUP, "Thorax", 0.6)] });
    expect(unsure.map((m) => m.text)).toEqual(plain.map((m) => m.text));
  });
});

describe("attribute prior in similarImages", () => {
  it("demotes images of another region or modality below every agreeing one", async () => {
    const lib = await library();
    const q = lib[1]?.v as Float32Array;
    const got = await withPrior(null).similarForVector(q, { k: 10, attributes: headMr });
    const agreeing = lib.filter((l) => l.group === "Head" && l.modality === "MR");
    const expectedAgreeing = agreeing.sort((a, b) => dot(q, b.v) - dot(q, a.v)).map((l) => l.id);
    expect(got.slice(0, expectedAgreeing.length).map((m) => m.imageId)).toEqual(expectedAgreeing);
    for (const m of got.slice(expectedAgreeing.length)) expect(m.contradicts?.length).toBeGreaterThan(0);
    for (const m of got) expect(m.similarity).toBeCloseTo(dot(q, lib.find((l) => l.id === m.imageId)?.v as Float32Array), 4);
    const plain = await withPrior(null).similarForVector(q, { k: 10, attributes: headMr, attributePrior: false });
    expect(plain.map((m) => m.imageId)).toEqual(
      [...lib]
        .sort((a, b) => dot(q, b.v) - dot(q, a.v))
        .slice(0, 10)
        .map((l) => l.id),
    );
  });
});
