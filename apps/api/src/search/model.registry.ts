// Keeps the ModelVersion table in step with the model folder the encoders loaded.
import type { PrismaClient } from "@medcap/db";
import { MedcapError } from "../core/errors.js";
import { writeAudit } from "../curation/audit.writer.js";
import type { EncoderInfo } from "../encoders/encoder.service.js";
import type { ModelRef } from "./search.types.js";

/**
 * A model version is identified by its manifest's name and version plus the manifest hash, so a
 * retrained folder that kept its version string still gets its own vectors and never mixes spaces.
 */
export function versionKey(info: Pick<EncoderInfo, "version" | "manifestSha256">): string {
  return `${info.version}+${info.manifestSha256.slice(0, 12)}`;
}

/**
 * Registers the loaded model's version. `activate`: "now" makes it the active version at once;
 * "when-indexed" (blue/green) leaves the previously active version active while the new one has
 * no complete index, unless no version is active at all (see activateModelVersion).
 */
export async function registerModelVersion(
  prisma: PrismaClient,
  info: EncoderInfo,
  activate: boolean | "now" | "if-none-active" = true,
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
  const noneActive = activate === "if-none-active" && (await prisma.modelVersion.count({ where: { active: true } })) === 0;
  if ((activate === true || activate === "now" || noneActive) && !row.active)
    await activateModelVersion(prisma, row.id, "system:model-load");
  return { name: row.name, version: row.version, modelVersionId: row.id };
}

/**
 * Makes one version the active one (the one reindex and evaluation default to, and the admin shows),
 * audited like a curator's activation. A no-op when it already is.
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
