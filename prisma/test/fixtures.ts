// Seed functions that double as test fixtures, so tests build data the way the importer does.
import type { PrismaClient } from "../src/client.js";
import type { ModalityType, Split } from "../generated/client/enums.js";

export interface SeedImage {
  externalId: string;
  caption: string;
  modality?: ModalityType;
  plane?: string;
  locationCategory?: string;
  sha256?: string;
  storedPath?: string;
}

export async function seedCase(
  prisma: PrismaClient,
  input: { dataset?: string; externalId: string; split?: Split; title?: string; caseDiagnosis?: string; images: SeedImage[] },
) {
  const dataset = await prisma.dataset.upsert({
    where: { name: input.dataset ?? "fixture" },
    create: { name: input.dataset ?? "fixture", source: "test fixture" },
    update: {},
  });
  return prisma.case.create({
    data: {
      datasetId: dataset.id,
      externalId: input.externalId,
      split: input.split ?? "TRAIN",
      title: input.title ?? null,
      caseDiagnosis: input.caseDiagnosis ?? null,
      images: {
        create: input.images.map((img) => ({
          externalId: img.externalId,
          sha256: img.sha256 ?? "0".repeat(64),
          storedPath: img.storedPath ?? `fixture/${img.externalId}.png`,
          byteSize: 0,
          width: 1,
          height: 1,
          format: "png",
          modality: img.modality ?? "CT",
          plane: img.plane ?? null,
          locationCategory: img.locationCategory ?? null,
          captions: {
            create: {
              text: img.caption,
              source: "GROUND_TRUTH",
              revisions: { create: { revision: 1, text: img.caption, source: "GROUND_TRUTH", author: "fixture" } },
            },
          },
        })),
      },
    },
    include: { images: { include: { captions: true } } },
  });
}
