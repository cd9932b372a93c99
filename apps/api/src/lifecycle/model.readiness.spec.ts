// The /readyz model check on real parts: PostgreSQL, the tiny fixture model's ONNX sessions, the
// embedded vector store. Not ready with no vectors for a non-empty catalogue, with another version
// active, or with sessions that no longer answer; ready with the served version's counts otherwise.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openTestApp, syntheticPng } from "../../test/app.fixture.js";
import type { AppContext } from "../core/app.context.js";
import { ImportService } from "../ingest/import.service.js";
import { modelReadiness } from "./model.readiness.js";
import { activateModelVersion } from "./model.registry.js";
import { openRetrieval, type Retrieval } from "../app/retrieval.composition.js";

const tinyDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "encoders", "fixtures", "tiny-model");

let ctx: AppContext;
let r: Retrieval;

beforeAll(async () => {
  ctx = await openTestApp({ MEDCAP_MODEL_DIR: tinyDir });
  const images = await Promise.all(
    [0, 1].map(async (i) => {
      const file = path.join(ctx.config.dataDir, `src-${i}.png`);
      await writeFile(file, await syntheticPng(i + 1));
      return { externalId: `R${i}`, file, caption: `Axial CT number ${i}.`, modality: "CT" as const, plane: "Axial" };
    }),
  );
  await new ImportService(ctx.db.prisma, ctx.images, ctx.logger).importDataset({
    dataset: { name: "readiness", source: "test" },
    cases: [{ externalId: "C0", split: "TRAIN", title: "Case", images }],
    problems: [],
  });
  r = await openRetrieval(ctx);
});
afterAll(async () => {
  await r?.close();
  await ctx?.close();
});

describe("the /readyz model check", () => {
  it("is not ready while the served (active) version has no vectors for a catalogue with images, then reports its counts", async () => {
    const check = modelReadiness({ prisma: ctx.db.prisma, served: () => r }, 0);
    const before = await check.check();
    expect(before.ok).toBe(false);
    expect(before.detail).toContain(`${r.model.name} ${r.model.version}`);
    expect(before.detail).toContain("0 image and 0 caption vectors for 2 catalogue images");
    await r.indexer.indexAll(r.model);
    expect(await check.check()).toEqual({ ok: true, detail: `${r.model.name} ${r.model.version}: 2 image and 2 caption vectors on cpu` });
  });

  it("is not ready when another version is active than the one served, naming both and why", async () => {
    const other = await ctx.db.prisma.modelVersion.create({
      data: { name: "other", version: "9", embeddingDim: r.encoder.dim, manifestSha256: "9".repeat(64) },
    });
    await activateModelVersion(ctx.db.prisma, other.id, "test");
    try {
      const failure = { modelVersionId: other.id, message: "its folder is not on this server" };
      const out = await modelReadiness({ prisma: ctx.db.prisma, served: () => r, failure: () => failure }, 0).check();
      expect(out.ok).toBe(false);
      expect(out.detail).toBe(
        `serving ${r.model.name} ${r.model.version}, but the active version is other 9, not loaded here: its folder is not on this server`,
      );
    } finally {
      await activateModelVersion(ctx.db.prisma, r.model.modelVersionId, "test");
    }
  });

  it("probes both ONNX sessions (cached for a few seconds) and is not ready once they stop answering", async () => {
    const spare = await openRetrieval(ctx);
    const probe = vi.spyOn(spare.encoder, "probe");
    const check = modelReadiness({ prisma: ctx.db.prisma, served: () => spare }, 60_000);
    expect((await check.check()).ok).toBe(true);
    expect((await check.check()).ok).toBe(true);
    expect(probe).toHaveBeenCalledTimes(1);
    await spare.close();
    const fresh = await modelReadiness({ prisma: ctx.db.prisma, served: () => spare }, 0).check();
    expect(fresh.ok).toBe(false);
    expect(fresh.detail).toContain("the ONNX sessions do not answer");
  });
});
