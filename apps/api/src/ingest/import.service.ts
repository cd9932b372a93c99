// Writes validated dataset records: images into the content-addressed store, rows in one
// transaction per case. Re-running is a no-op; a crash between cases loses nothing and
// duplicates nothing, because a case is either fully committed or absent.
import type { PrismaClient } from "@medcap/db";
import { MedcapError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { type CaseRecord, type DatasetReadResult, type ImageRecord, type RecordProblem, unstorableText } from "./case.record.js";
import { probeImage, type ProbedImage } from "./image.probe.js";
import { type ImageStore, sha256Hex } from "../core/image.store.js";
import { readRegularFile } from "./source.file.js";

export interface ImportOptions {
  /** Fail before writing anything when any record is invalid. */
  strict?: boolean;
  actor?: string;
  maxPixels?: number;
  onProgress?: (event: { phase: "validate" | "write"; done: number; total: number }) => void;
}

export interface ImportReport {
  dataset: string;
  cases: { imported: number; alreadyPresent: number; invalid: number };
  images: number;
  problems: RecordProblem[];
}

interface PreparedImage {
  record: ImageRecord;
  probe: ProbedImage;
  sha256: string;
}

export class ImportService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly store: ImageStore,
    private readonly logger: Logger,
  ) {}

  async importDataset(input: DatasetReadResult, options: ImportOptions = {}): Promise<ImportReport> {
    const problems = [...input.problems];
    const maxPixels = options.maxPixels ?? 40_000_000;

    const dataset = await this.upsertDataset(input.dataset);
    const existing = new Set(
      (await this.prisma.case.findMany({ where: { datasetId: dataset.id }, select: { externalId: true } })).map((c) => c.externalId),
    );

    // Pass 1: validate every image of every new case, so --strict can refuse before any write.
    const pending = input.cases.filter((c) => !existing.has(c.externalId));
    const prepared: { record: CaseRecord; images: PreparedImage[] }[] = [];
    let done = 0;
    for (const record of pending) {
      const images: PreparedImage[] = [];
      let failure: string | undefined;
      for (const image of record.images) {
        try {
          const bytes = await readRegularFile(image.file);
          const probe = await probeImage(bytes, maxPixels);
          images.push({ record: image, probe, sha256: sha256Hex(bytes) });
        } catch (err) {
          failure = `image ${image.externalId}: ${(err as Error).message}`;
          break;
        }
      }
      const dupes = duplicateIds(record.images);
      if (!failure && dupes.length) failure = `duplicate image ids in case: ${dupes.join(", ")}`;
      const unstorable = failure ? undefined : unstorableText(record);
      if (unstorable) failure = unstorable;
      if (failure) problems.push({ id: record.externalId, reason: failure });
      else prepared.push({ record, images });
      options.onProgress?.({ phase: "validate", done: ++done, total: pending.length });
    }
    if (options.strict && problems.length) {
      throw new MedcapError("BAD_USER_INPUT", `--strict: ${problems.length} invalid record(s), nothing written`, { problems });
    }

    // Pass 2: one transaction per case.
    let imported = 0;
    /** Cases another importer wrote while this one ran: already present, like those found at the start. */
    let raced = 0;
    let imageCount = 0;
    done = 0;
    for (const { record, images } of prepared) {
      const stored: (PreparedImage & { storedPath: string; byteSize: number })[] = [];
      for (const image of images) {
        const bytes = await readRegularFile(image.record.file);
        const put = await this.store.put(bytes, image.probe.ext);
        if (put.sha256 !== image.sha256) throw new MedcapError("CONFLICT", `image ${image.record.externalId} changed during import`);
        stored.push({ ...image, storedPath: put.storedPath, byteSize: bytes.byteLength });
      }
      const created = await this.prisma.$transaction(async (tx) => {
        // Two importers of one dataset (two `medcap import` on a fresh data folder) both saw the case
        // absent; the second then died on the unique key with an INTERNAL error. The case's lock makes
        // the second wait for the first's commit, then find the case and skip it.
        await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`medcap.import:${dataset.id}:${record.externalId}`}))`;
        const found = await tx.case.findUnique({
          where: { datasetId_externalId: { datasetId: dataset.id, externalId: record.externalId } },
          select: { id: true },
        });
        if (found) return false; // another importer got here first
        const { images: _images, ...caseFields } = record;
        const c = await tx.case.create({ data: { ...caseFields, datasetId: dataset.id } });
        for (const s of stored) {
          const { file: _file, caption, externalId, ...meta } = s.record;
          const image = await tx.image.create({
            data: {
              ...meta,
              externalId,
              caseId: c.id,
              sha256: s.sha256,
              storedPath: s.storedPath,
              byteSize: s.byteSize,
              width: s.probe.width,
              height: s.probe.height,
              format: s.probe.format,
            },
          });
          await tx.caption.create({
            data: {
              imageId: image.id,
              text: caption,
              source: "GROUND_TRUTH",
              revisions: { create: { revision: 1, text: caption, source: "GROUND_TRUTH", author: options.actor ?? "import" } },
            },
          });
        }
        return true;
      });
      if (created) {
        imported++;
        imageCount += stored.length;
      } else raced++;
      options.onProgress?.({ phase: "write", done: ++done, total: prepared.length });
    }

    const report: ImportReport = {
      dataset: dataset.name,
      cases: { imported, alreadyPresent: input.cases.length - pending.length + raced, invalid: problems.length },
      images: imageCount,
      problems,
    };
    if (imported > 0) {
      await this.prisma.auditLog.create({
        data: {
          actor: options.actor ?? "import",
          action: "dataset.import",
          targetType: "Dataset",
          targetId: dataset.id,
          after: { cases: imported, images: imageCount, invalid: problems.length },
        },
      });
    }
    this.logger.info({ dataset: dataset.name, ...report.cases, images: imageCount }, "import finished");
    return report;
  }

  /** The dataset row, also when a concurrent importer creates it between our read and our insert. */
  private async upsertDataset(fields: DatasetReadResult["dataset"]) {
    try {
      return await this.prisma.dataset.upsert({ where: { name: fields.name }, create: { ...fields }, update: {} });
    } catch (err) {
      if ((err as { code?: unknown }).code !== "P2002") throw err;
      return this.prisma.dataset.findUniqueOrThrow({ where: { name: fields.name } });
    }
  }
}

function duplicateIds(images: ImageRecord[]): string[] {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const i of images) (seen.has(i.externalId) ? dupes : seen).add(i.externalId);
  return [...dupes];
}
