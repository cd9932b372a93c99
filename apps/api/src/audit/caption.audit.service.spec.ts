// The caption audit against a real Postgres: verdicts stored per caption, re-runs that re-check only what
// changed (a caption edit, a new image, another model version), dismissals that hold until the caption
// changes, and flags raised from suspicions with their reasons, all audited.
import { seedCase } from "@medcap/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestAppContext } from "../../test/server.testing.js";
import type { AppContext } from "../core/app.context.js";
import { reviseCaption } from "../curation/caption.service.js";
import { EmbeddingRepository } from "../search/embedding.repository.js";
import { EmbeddedVectorStore } from "../vectors/embedded.store.js";
import { JobHandlerRegistry } from "../jobs/job.handlers.js";
import { JobQueue } from "../jobs/job.queue.js";
import { JobWorker } from "../jobs/job.worker.js";
import { captionAuditJobHandler } from "./caption-audit.job.js";
import { type AuditModel, CaptionAuditService } from "./caption.audit.service.js";

let ctx: AppContext;
const DATASET = "audit-medium";
const ids: Record<string, { imageId: string; captionId: string }> = {};

/** Image i points along axis i; the caption of "swapped" points at "lung"'s image, so the model disagrees with it. */
const VECTORS: Record<string, { image: number[]; caption: number[] }> = {
  brain: { image: [1, 0, 0, 0], caption: [1, 0.1, 0, 0] },
  lung: { image: [0, 1, 0, 0], caption: [0, 1, 0.1, 0] },
  swapped: { image: [0, 0, 1, 0], caption: [0, 1, 0, 0.2] },
  liver: { image: [0, 0, 0, 1], caption: [0, 0, 0.2, 1] },
};

async function modelWithVectors(version: string): Promise<AuditModel> {
  const prisma = ctx.db.prisma;
  const mv = await prisma.modelVersion.create({ data: { name: "audit-test", version, embeddingDim: 4, manifestSha256: version } });
  const repo = new EmbeddingRepository(prisma);
  for (const [name, v] of Object.entries(VECTORS)) {
    const t = ids[name];
    if (!t) throw new Error(name);
    await repo.save(mv.id, "IMAGE", [{ targetId: t.imageId, contentSha256: name, vector: Float32Array.from(v.image) }]);
    await repo.save(mv.id, "CAPTION", [{ targetId: t.captionId, contentSha256: name, vector: Float32Array.from(v.caption) }]);
  }
  const store = new EmbeddedVectorStore();
  await store.ensureCollection(mv.id, 4);
  for await (const points of repo.points(mv.id)) await store.upsert(mv.id, points);
  return { modelVersionId: mv.id, store, repo };
}

async function seed(name: string, caption: string, locationCategory: string) {
  const c = await seedCase(ctx.db.prisma, {
    dataset: DATASET,
    externalId: `case-${name}`,
    images: [{ externalId: `${name}_1`, caption, modality: "CT", plane: "Axial", locationCategory }],
  });
  const cap = await ctx.db.prisma.caption.findFirstOrThrow({ where: { image: { caseId: c.id }, isCurrent: true } });
  ids[name] = { imageId: cap.imageId, captionId: cap.id };
}

beforeAll(async () => {
  ctx = await openTestAppContext();
  await seed("brain", "Acute hemorrhage in the right frontal lobe of the brain", "Head");
  await seed("lung", "Spiculated mass in the right upper lobe of the lung", "Thorax");
  // A caption that names the lung and a T2 sequence on an abdominal CT: another region, another modality.
  await seed("swapped", "Axial T2 image shows a spiculated mass in the lung", "Abdomen");
  await seed("liver", "Hypodense lesion in the liver with peripheral enhancement", "Abdomen");
  await seed("junk", "Replace this - DESCRIPTION OF THE IMAGE OR FINDINGS.", "Abdomen");
});
afterAll(async () => {
  await ctx?.close();
});

describe("CaptionAuditService (Postgres)", () => {
  let model: AuditModel;

  it("ranks the planted problems first, with their reasons, and stores a verdict for every caption", async () => {
    model = await modelWithVectors("1");
    const audit = new CaptionAuditService(ctx.db.prisma, ctx.logger, model);
    const progress: number[] = [];
    const report = await audit.run({ dataset: DATASET, onProgress: (p) => progress.push(p.done) });
    expect(report).toMatchObject({ captions: 5, checked: 5, reused: 0, modelVersionId: model.modelVersionId });
    expect(progress.at(-1)).toBe(5);
    expect(await ctx.db.prisma.captionSuspicion.count({ where: { caption: { image: { case: { dataset: { name: DATASET } } } } } })).toBe(5);
    const list = await audit.list({ dataset: DATASET });
    expect(
      list
        .map((s) => s.captionId)
        .slice(0, 2)
        .sort(),
    ).toEqual([ids.junk?.captionId, ids.swapped?.captionId].sort());
    const swapped = list.find((s) => s.captionId === ids.swapped?.captionId);
    expect(swapped?.reasons.map((r) => r.code)).toEqual(
      expect.arrayContaining(["MODALITY_MISMATCH", "ANATOMY_MISMATCH", "MODEL_DISAGREES"]),
    );
    expect(swapped?.images).toEqual([{ id: ids.swapped?.imageId, externalId: "swapped_1", case: "case-swapped" }]);
    expect(list.some((s) => s.captionId === ids.brain?.captionId)).toBe(false);
  });

  it("re-checks only what changed: nothing, then an edited caption, then a new image, then everything for a new model", async () => {
    const audit = new CaptionAuditService(ctx.db.prisma, ctx.logger, model);
    expect(await audit.run({ dataset: DATASET })).toMatchObject({ checked: 0, reused: 5 });
    await ctx.db.prisma.$transaction((tx) =>
      reviseCaption(tx, {
        captionId: ids.liver?.captionId as string,
        text: "Hypodense liver lesion",
        comment: "t",
        actor: "test",
        action: "caption.update",
      }),
    );
    expect(await audit.run({ dataset: DATASET })).toMatchObject({ checked: 1, reused: 4 });
    await seed("spleen", "Enlarged spleen with a wedge-shaped infarct", "Abdomen");
    expect(await audit.run({ dataset: DATASET })).toMatchObject({ checked: 1, reused: 5 });
    const next = await modelWithVectors("2");
    expect(await new CaptionAuditService(ctx.db.prisma, ctx.logger, next).run({ dataset: DATASET })).toMatchObject({ checked: 6 });
    model = next;
  });

  it("keeps a dismissed suspicion hidden until its caption changes", async () => {
    const audit = new CaptionAuditService(ctx.db.prisma, ctx.logger, model);
    const row = await ctx.db.prisma.captionSuspicion.findUniqueOrThrow({ where: { captionId: ids.swapped?.captionId } });
    await audit.dismiss(row.id, "checked with the radiologist", "annotator:test");
    await expect(audit.dismiss(row.id, null, "annotator:test")).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await ctx.db.prisma.auditLog.count({ where: { action: "suspicion.dismiss", targetId: row.id } })).toBe(1);
    const visible = async () => (await audit.list({ dataset: DATASET })).some((s) => s.id === row.id);
    expect(await visible()).toBe(false);
    await audit.run({ dataset: DATASET, force: true });
    expect(await visible()).toBe(false);
    await ctx.db.prisma.$transaction((tx) =>
      reviseCaption(tx, {
        captionId: ids.swapped?.captionId as string,
        text: "Axial T2 image of the lung mass",
        comment: "t",
        actor: "test",
        action: "caption.update",
      }),
    );
    await audit.run({ dataset: DATASET });
    expect(await visible()).toBe(true);
  });

  it("raises a flag with the reasons as its note, once", async () => {
    const audit = new CaptionAuditService(ctx.db.prisma, ctx.logger, model);
    const row = await ctx.db.prisma.captionSuspicion.findUniqueOrThrow({ where: { captionId: ids.junk?.captionId } });
    const flag = await audit.flag(row.id, "annotator:test");
    expect(flag).toMatchObject({ captionId: ids.junk?.captionId, reason: "NOT_A_CAPTION", status: "OPEN", raisedBy: "annotator:test" });
    expect(flag.note).toContain("PLACEHOLDER");
    await expect(audit.flag(row.id, "annotator:test")).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await ctx.db.prisma.auditLog.count({ where: { action: "suspicion.flag", targetId: row.id } })).toBe(1);
  });

  it("filters by reason and minimum score, and pages most suspicious first", async () => {
    const audit = new CaptionAuditService(ctx.db.prisma, ctx.logger, model);
    const placeholders = await audit.list({ dataset: DATASET, reason: "PLACEHOLDER" });
    expect(placeholders.map((s) => s.captionId)).toEqual([ids.junk?.captionId]);
    const first = await audit.page({ first: 1, filter: { dataset: DATASET } });
    const second = await audit.page({ first: 1, after: first.pageInfo.endCursor, filter: { dataset: DATASET } });
    expect(first.edges[0]?.node.score).toBeGreaterThanOrEqual(second.edges[0]?.node.score ?? 1);
    expect(first.totalCount).toBe(await audit.count({ dataset: DATASET }));
    await expect(audit.list({ minScore: 2 })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("runs as a CAPTION_AUDIT job on the version it names, with progress and the report as its result", async () => {
    const prisma = ctx.db.prisma;
    await prisma.modelVersion.updateMany({ data: { active: false } });
    await prisma.modelVersion.update({ where: { id: model.modelVersionId }, data: { active: true } });
    const queue = new JobQueue(prisma);
    const audit = new CaptionAuditService(prisma, ctx.logger, undefined, { queue, onEnqueued: () => {} });
    const job = await audit.request({ dataset: DATASET, force: true }, "curator:test");
    expect(job).toMatchObject({ kind: "CAPTION_AUDIT", params: { modelVersionId: model.modelVersionId, dataset: DATASET, force: true } });
    const handlers = new JobHandlerRegistry();
    const asked: (string | undefined)[] = [];
    handlers.register(
      "CAPTION_AUDIT",
      captionAuditJobHandler(
        (m) => new CaptionAuditService(prisma, ctx.logger, m),
        (id, fn) => {
          asked.push(id);
          return fn(model);
        },
      ),
    );
    expect(await new JobWorker(queue, ctx.logger, { handlers }).runOnce()).toBe(true);
    expect(asked).toEqual([model.modelVersionId]);
    const done = await queue.get(job.id);
    expect(done).toMatchObject({
      status: "SUCCEEDED",
      progress: 1,
      result: { checked: 6, captions: 6, modelVersionId: model.modelVersionId },
    });
    expect(done?.message).toBe("captions 6/6");
  });
});
