// The CAPTION_AUDIT job: the audit as background work, on the model version the job names (the active
// one when it was queued), with its progress on the job row.
import type { PrismaClient, Split } from "@medcap/db";
import type { Logger } from "../core/logger.js";
import type { JobHandler } from "../jobs/job.handlers.js";
import { type AuditModel, CaptionAuditService } from "./caption.audit.service.js";

export interface CaptionAuditJobParams {
  modelVersionId?: string | null;
  dataset?: string | null;
  split?: Split | null;
  force?: boolean;
}

/** `onModel` runs the audit with the job's model version (or without a model when it names none). */
export function captionAuditJobHandler(
  prisma: PrismaClient,
  logger: Logger,
  onModel: <T>(modelVersionId: string | undefined, fn: (model: AuditModel | undefined) => Promise<T>) => Promise<T>,
): JobHandler {
  return async (job, progress, signal) => {
    const params = (job.params ?? {}) as CaptionAuditJobParams;
    return onModel(params.modelVersionId ?? undefined, (model) =>
      new CaptionAuditService(prisma, logger, model).run({
        dataset: params.dataset,
        split: params.split,
        force: params.force,
        signal,
        onProgress: (p) => void progress(p.done / Math.max(1, p.total), `captions ${p.done}/${p.total}`),
      }),
    );
  };
}
