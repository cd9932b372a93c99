// Adding an image to a case: validate, store content-addressed, write rows + audit in one
// transaction, then index it for search.
import type { ImageModel, PrismaClient } from "@medcap/db";
import { MedcapError, notFound } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { ImageMetadata } from "../ingest/case.record.js";
import type { ImageStore } from "../core/image.store.js";
import type { RetrievalPort } from "../search/search.types.js";
import { writeAudit } from "../core/audit.writer.js";
import { cleanCaption } from "./caption.service.js";
import { describeImage, type ImageLimits, validateImageBytes } from "./image.validation.js";
import type { DecodedImage } from "../encoders/image.preprocess.js";

export interface AddImageInput extends ImageMetadata {
  caseId: string;
  bytes: Uint8Array;
  /** The bytes as the request's intake decoded them: validated already, not decoded again. */
  decoded?: DecodedImage;
  externalId?: string | null;
  caption: string;
}

export class ImageService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly store: ImageStore,
    private readonly retrieval: RetrievalPort | undefined,
    private readonly limits: ImageLimits,
    private readonly logger: Logger,
  ) {}

  async add(input: AddImageInput, actor: string): Promise<ImageModel> {
    const caption = cleanCaption(input.caption);
    if (input.patientAge != null && (input.patientAge < 0 || input.patientAge > 130)) {
      throw new MedcapError("BAD_USER_INPUT", "patientAge must be between 0 and 130");
    }
    const probe = input.decoded ? describeImage(input.decoded) : await validateImageBytes(input.bytes, this.limits);
    if (!probe.ext)
      throw new MedcapError("BAD_USER_INPUT", `${probe.format} images can be searched with but not stored; send PNG, JPEG, WebP or TIFF`);
    const exists = await this.prisma.case.findUnique({ where: { id: input.caseId }, select: { id: true } });
    if (!exists) throw notFound("case", input.caseId);
    // The file goes first: a crash before the commit leaves an unreferenced file (harmless, deduplicated), never a row without its file.
    const stored = await this.store.put(input.bytes, probe.ext);
    const externalId = input.externalId?.trim() || `sha256-${stored.sha256.slice(0, 16)}`;
    const { bytes: _bytes, decoded: _decoded, caseId, caption: _caption, externalId: _ext, ...meta } = input;
    const image = await this.prisma.$transaction(async (tx) => {
      const clash = await tx.image.findUnique({ where: { caseId_externalId: { caseId, externalId } } });
      if (clash) throw new MedcapError("BAD_USER_INPUT", `image ${externalId} already exists in case ${caseId}`, { imageId: clash.id });
      const created = await tx.image.create({
        data: {
          ...meta,
          caseId,
          externalId,
          sha256: stored.sha256,
          storedPath: stored.storedPath,
          byteSize: input.bytes.byteLength,
          width: probe.width,
          height: probe.height,
          format: probe.format,
          captions: {
            create: {
              text: caption,
              source: "CURATED",
              revisions: { create: { revision: 1, text: caption, source: "CURATED", author: actor } },
            },
          },
        },
      });
      await writeAudit(tx, { actor, action: "image.add", targetType: "Image", targetId: created.id, after: { ...created, caption } });
      return created;
    });
    if (this.retrieval) {
      try {
        await this.retrieval.indexImage(image.id);
      } catch (err) {
        this.logger.error({ err, imageId: image.id }, "indexing the new image failed; run reindex to repair");
      }
    } else {
      this.logger.warn({ imageId: image.id }, "no retrieval configured; image not indexed");
    }
    return image;
  }
}
