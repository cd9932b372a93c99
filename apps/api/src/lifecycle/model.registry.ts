// The ModelVersion table: registering versions of model folders, and the one way to activate one.
import type { PrismaClient } from "@medcap/db";
import { MedcapError, notFound } from "../core/errors.js";
import { writeAudit } from "../core/audit.writer.js";
import type { EncoderInfo } from "../encoders/encoder.service.js";
import { EmbeddingRepository } from "../search/embedding.repository.js";
import type { ModelRef } from "../search/search.types.js";

/**
 * A model version is identified by its manifest's name and version plus the manifest hash, so a
 * retrained folder that kept its version string still gets its own vectors and never mixes spaces.
 */
export function versionKey(info: Pick<EncoderInfo, "version" | "manifestSha256">): string {
  return `${info.version}+${info.manifestSha256.slice(0, 12)}`;
}

/**
 * Registers a model version (from a loaded encoder or a folder's manifest). It never switches the
 * active version: "if-none-active" makes it active only when no version is active at all (a first
 * start); switching is an explicit activation (activateIndexedVersion) and nothing else.
 */
export async function registerModelVersion(
  prisma: PrismaClient,
  info: Pick<EncoderInfo, "name" | "version" | "manifestSha256" | "dim">,
  activate: "if-none-active" | "never" = "if-none-active",
): Promise<ModelRef> {
  const version = versionKey(info);
  const existing = await prisma.modelVersion.findUnique({ where: { name_version: { name: info.name, version } } });
  if (existing && existing.embeddingDim !== info.dim) {
    throw new MedcapError(
      "MODEL_MISMATCH",
      `model ${info.name} ${version} produces ${info.dim}-d vectors but ${existing.embeddingDim}-d vectors are stored for it; re-index under a new version`,
    );
  }
  const row =
    existing ??
    (await prisma.modelVersion.create({
      data: { name: info.name, version, embeddingDim: info.dim, manifestSha256: info.manifestSha256 },
    }));
  if (activate === "if-none-active" && !row.active && (await prisma.modelVersion.count({ where: { active: true } })) === 0)
    await activateModelVersion(prisma, row.id, "system:first-model");
  return { name: row.name, version: row.version, modelVersionId: row.id };
}

/** Images and current captions of the catalogue that have no up-to-date vector under a version. */
export async function indexGap(prisma: PrismaClient, modelVersionId: string): Promise<{ images: number; captions: number }> {
  const repo = new EmbeddingRepository(prisma);
  return { images: await repo.countPendingImages(modelVersionId), captions: await repo.countPendingCaptions(modelVersionId) };
}

/** The typed refusal to activate a version whose index is incomplete, saying how to complete it. */
export function incompleteIndexError(version: { id: string; name: string; version: string }, gap: { images: number; captions: number }) {
  return new MedcapError(
    "CONFLICT",
    `model version ${version.name} ${version.version} cannot be activated: ${gap.images} images and ${gap.captions} captions are not indexed under it yet; ` +
      `index them first (the reindex mutation with modelVersionId ${version.id}, or: medcap index --model <its folder>), then activate it`,
    { modelVersionId: version.id, missingImages: gap.images, missingCaptions: gap.captions },
  );
}

/** The version row, or NOT_FOUND. */
export async function findModelVersion(prisma: PrismaClient, id: string) {
  const row = await prisma.modelVersion.findUnique({ where: { id } });
  if (!row) throw notFound("model version", id);
  return row;
}

/**
 * Blue/green activation: refuses (CONFLICT) while anything in the catalogue lacks a vector under the
 * version, else makes it the active one with an audit row. A no-op when it already is active.
 */
export async function activateIndexedVersion(prisma: PrismaClient, modelVersionId: string, actor: string) {
  const row = await findModelVersion(prisma, modelVersionId);
  if (row.active) return row;
  const gap = await indexGap(prisma, modelVersionId);
  if (gap.images > 0 || gap.captions > 0) throw incompleteIndexError(row, gap);
  await activateModelVersion(prisma, modelVersionId, actor);
  return findModelVersion(prisma, modelVersionId);
}

/**
 * Makes one version the active one (the one servers answer with, and reindex and evaluation default
 * to), audited like a curator's activation. A no-op when it already is. No completeness check: use
 * activateIndexedVersion unless the caller has just checked it.
 */
export async function activateModelVersion(prisma: PrismaClient, modelVersionId: string, actor: string): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const previous = await tx.modelVersion.findFirst({ where: { active: true } });
    if (previous?.id === modelVersionId) return;
    await tx.modelVersion.updateMany({ where: { active: true }, data: { active: false } });
    await tx.modelVersion.update({ where: { id: modelVersionId }, data: { active: true } });
    await writeAudit(tx, {
      actor,
      action: "modelVersion.activate",
      targetType: "ModelVersion",
      targetId: modelVersionId,
      before: { activeModelVersionId: previous?.id ?? null },
      after: { activeModelVersionId: modelVersionId },
    });
  });
}
