// Medium test (real PostgreSQL, embedded vector store, a fake text encoder): concurrent edits of the
// same captions must leave each caption with exactly the vector of its final text (#26 Medium 4).
import { createHash } from "node:crypto";
import { seedCase } from "@medcap/db/testing";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openTestApp } from "../../test/app.fixture.js";
import type { AppContext } from "../core/app.context.js";
import { seededRandom } from "../core/seeded.random.js";
import { CaptionService } from "../curation/caption.service.js";
import type { EncoderService } from "../encoders/encoder.service.js";
import { sha256Hex } from "../core/image.store.js";
import { EmbeddedVectorStore } from "../vectors/embedded.store.js";
import { bytesToVector } from "../vectors/vector.store.js";
import { EmbeddingRepository } from "./embedding.repository.js";
import { IndexService } from "./index.service.js";
import type { ModelRef, RetrievalPort } from "./search.types.js";

/** A deterministic unit 4-vector per text. */
function vectorOf(text: string): Float32Array {
  const h = createHash("sha256").update(text).digest();
  const v = Float32Array.from([0, 1, 2, 3], (i) => h.readInt16LE(i * 2) / 32768);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

describe("concurrent caption edits (#26 Medium 4)", () => {
  let ctx: AppContext;
  beforeAll(async () => {
    ctx = await openTestApp();
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it("six concurrent updates on each of ten captions leave every caption with its final text's vector", async () => {
    const prisma = ctx.db.prisma;
    const seeded = await seedCase(prisma, {
      externalId: "RACE",
      images: Array.from({ length: 10 }, (_, i) => ({ externalId: `RACE_${i}`, caption: `caption ${i} original` })),
    });
    const captionIds = seeded.images.map((img) => img.captions[0]!.id);
    const mv = await prisma.modelVersion.create({
      data: { name: "fake", version: "race", embeddingDim: 4, manifestSha256: "2".repeat(64), active: true },
    });
    const model: ModelRef = { name: "fake", version: "race", modelVersionId: mv.id };
    const store = new EmbeddedVectorStore();
    await store.ensureCollection(mv.id, 4);
    // Encodes finish out of order, as a shared ONNX session's batches do.
    const random = seededRandom(26);
    const encoder = {
      encodeText: async (text: string) => {
        await new Promise((r) => setTimeout(r, Math.floor(random() * 25)));
        return vectorOf(text);
      },
    } as unknown as EncoderService;
    const logger = pino({ level: "silent" });
    const errors = vi.spyOn(logger, "error");
    const indexer = new IndexService(new EmbeddingRepository(prisma), store, encoder, ctx.images, logger);
    const retrieval = {
      reindexCaption: async (id: string) => {
        const caption = await prisma.caption.findUniqueOrThrow({ where: { id }, select: { id: true, text: true } });
        await indexer.indexCaption(model, caption);
      },
    } as unknown as RetrievalPort;
    const captions = new CaptionService(prisma, retrieval, logger);

    await Promise.all(
      captionIds.flatMap((id, i) =>
        Array.from({ length: 6 }, (_, j) => captions.update({ id, text: `caption ${i} revision ${j}` }, "racer")),
      ),
    );

    expect(errors).not.toHaveBeenCalled();
    for (const id of captionIds) {
      const { text, revision } = await prisma.caption.findUniqueOrThrow({ where: { id } });
      expect(revision).toBe(7);
      const rows = await prisma.embedding.findMany({ where: { modelVersionId: mv.id, kind: "CAPTION", targetId: id } });
      expect(rows).toHaveLength(1);
      expect(rows[0]!.contentSha256).toBe(sha256Hex(text));
      expect(Array.from(bytesToVector(rows[0]!.vector))).toEqual(Array.from(vectorOf(text)));
      const [top] = await store.search(mv.id, vectorOf(text), { kind: "CAPTION", k: 1 });
      expect(top?.payload.targetId).toBe(id);
      expect(top?.score).toBeCloseTo(1, 5);
    }
  });
});
