// Medium test: `medcap verify` / `--repair` over the committed model, real ONNX sessions, PostgreSQL,
// once over the embedded store and once over the test run's Qdrant server (skipped when there is none).
// Each kind of damage is made by hand, found by verify and undone by repair.
import { writeFile } from "node:fs/promises";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApp, syntheticPng } from "../../test/app.fixture.js";
import { qdrantTitle, qdrantUrl } from "../../test/qdrant.suite.js";
import type { AppContext } from "../core/app.context.js";
import { ImportService } from "../ingest/import.service.js";
import { sha256Hex } from "../core/image.store.js";
import { vectorToBytes } from "../vectors/vector.store.js";
import { openRetrieval, type Retrieval } from "../app/retrieval.composition.js";
import { type VerifyReport, VerifyService } from "./verify.service.js";

const counts = (r: VerifyReport) =>
  Object.fromEntries(
    Object.entries(r.kinds).map(([kind, k]) => [
      kind,
      {
        postgres: [k.postgres.missing.length, k.postgres.stale.length, k.postgres.extra.length],
        store: [k.store.missing.length, k.store.stale.length, k.store.extra.length],
      },
    ]),
  );

const stores: { name: string; env: Record<string, string>; skip: boolean }[] = [
  { name: "embedded store", env: {}, skip: false },
  {
    name: qdrantTitle("Qdrant store"),
    env: { MEDCAP_VECTOR_STORE: "qdrant", QDRANT_URL: qdrantUrl || "http://127.0.0.1:1" },
    skip: !qdrantUrl,
  },
];

describe.each(stores)("verify and repair over the $name", ({ env, skip }) => {
  if (skip) {
    it.skip("needs a Qdrant server", () => {});
    return;
  }
  let ctx: AppContext;
  let r: Retrieval;
  let verifier: VerifyService;

  beforeAll(async () => {
    ctx = await openTestApp({ MEDCAP_BATCH_MAX: "2", ...env });
    const cases = await Promise.all(
      [0, 1].map(async (c) => ({
        externalId: `V${c}`,
        split: "TRAIN" as const,
        images: await Promise.all(
          [0, 1].map(async (i) => {
            const file = `${ctx.config.dataDir}/v-${c}-${i}.png`;
            await writeFile(file, await syntheticPng(c * 2 + i));
            return { externalId: `V${c}_${i}`, file, caption: `caption ${c}.${i} of a CT`, modality: "CT" as const };
          }),
        ),
      })),
    );
    await new ImportService(ctx.db.prisma, ctx.images, ctx.logger).importDataset({
      dataset: { name: "verify", source: "test" },
      cases,
      problems: [],
    });
    r = await openRetrieval(ctx);
    await r.indexer.indexAll(r.model);
    verifier = new VerifyService(r.repo, r.store, r.indexer, pino({ level: "silent" }));
  });
  afterAll(async () => {
    await r?.close();
    await ctx?.close();
  });

  it("finds nothing on a complete index", async () => {
    const report = await verifier.verify(r.model);
    expect(report.problems).toBe(0);
    expect(report.kinds.IMAGE.expected).toBe(4);
    expect(report.kinds.CAPTION.expected).toBe(4);
  });

  it("counts missing, stale and extra vectors in Postgres and the store, and --repair fixes exactly those", async () => {
    const prisma = ctx.db.prisma;
    const mv = r.model.modelVersionId;
    const images = await prisma.image.findMany({ orderBy: { externalId: "asc" } });
    const captions = await prisma.caption.findMany({ orderBy: { text: "asc" } });
    // Postgres: image 0 lost its vector, caption 0 was edited behind the indexer's back, and a
    // vector of a caption that no longer exists is left over.
    await prisma.embedding.deleteMany({ where: { modelVersionId: mv, kind: "IMAGE", targetId: images[0]!.id } });
    await r.store.delete(mv, "IMAGE", [images[0]!.id]);
    await prisma.caption.update({ where: { id: captions[0]!.id }, data: { text: "edited without re-index" } });
    await prisma.embedding.create({
      data: {
        modelVersionId: mv,
        kind: "CAPTION",
        targetId: "ghost",
        contentSha256: sha256Hex("ghost"),
        vector: vectorToBytes(new Float32Array(r.encoder.dim).fill(0.1)),
      },
    });
    // Store: caption 1's point is gone, caption 2's point holds another vector, a phantom point is left over.
    await r.store.delete(mv, "CAPTION", [captions[1]!.id]);
    const [payload2] = (await r.repo.payloads("CAPTION", [captions[2]!.id])).values();
    const [payload3] = (await r.repo.payloads("CAPTION", [captions[3]!.id])).values();
    const other = new Float32Array(r.encoder.dim).fill(0);
    other[0] = 1;
    await r.store.upsert(mv, [
      { vector: other, payload: payload2! },
      { vector: other, payload: { ...payload3!, targetId: "phantom" } },
    ]);

    const found = await verifier.verify(r.model);
    expect(counts(found)).toEqual({
      IMAGE: { postgres: [1, 0, 0], store: [0, 0, 0] },
      CAPTION: { postgres: [0, 1, 1], store: [1, 1, 1] },
    });
    expect(found.kinds.IMAGE.postgres.missing).toEqual([images[0]!.id]);
    expect(found.kinds.CAPTION.postgres.stale).toEqual([captions[0]!.id]);
    expect(found.kinds.CAPTION.postgres.extra).toEqual(["ghost"]);
    expect(found.kinds.CAPTION.store).toEqual({ missing: [captions[1]!.id], stale: [captions[2]!.id], extra: ["phantom"] });
    expect(found.problems).toBe(6);

    const repaired = await verifier.repair(r.model, found);
    expect(repaired.problems).toBe(0);
    const row = await prisma.embedding.findUniqueOrThrow({
      where: { modelVersionId_kind_targetId: { modelVersionId: mv, kind: "CAPTION", targetId: captions[0]!.id } },
    });
    expect(row.contentSha256).toBe(sha256Hex("edited without re-index"));
    expect(await prisma.embedding.count({ where: { modelVersionId: mv } })).toBe(8);
    expect(await r.store.count(mv)).toBe(8);
  });
});
