// Keeps the ModelVersion table in step with the model folder the encoders loaded.
import type { PrismaClient } from "@medcap/db";
import { MedcapError } from "../core/errors.js";
import type { EncoderInfo } from "../encoders/encoder.service.js";
import type { ModelRef } from "./search.types.js";

/**
 * A model version is identified by its manifest's name and version plus the manifest hash, so a
 * retrained folder that kept its version string still gets its own vectors and never mixes spaces.
 */
export function versionKey(info: Pick<EncoderInfo, "version" | "manifestSha256">): string {
  return `${info.version}+${info.manifestSha256.slice(0, 12)}`;
}

export async function registerModelVersion(prisma: PrismaClient, info: EncoderInfo, activate = true): Promise<ModelRef> {
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
  if (activate && !row.active) {
    await prisma.$transaction([
      prisma.modelVersion.updateMany({ where: { active: true }, data: { active: false } }),
      prisma.modelVersion.update({ where: { id: row.id }, data: { active: true } }),
    ]);
  }
  return { name: row.name, version: row.version, modelVersionId: row.id };
}
