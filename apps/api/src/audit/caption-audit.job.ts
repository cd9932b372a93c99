// The CAPTION_AUDIT job: the audit as background work, on the model version the job names (the active
// one when it was queued), with its progress on the job row.
import type { Split } from "@medcap/db";
import type { JobHandler } from "../jobs/job.handlers.js";
import type { AuditModel, CaptionAuditService } from "./caption.audit.service.js";

export interface CaptionAuditJobParams {
  modelVersionId?: string | null;
  dataset?: string | null;
  split?: Split | null;
  force?: boolean;
}

/**
 * `onModel` runs the audit with the job's model version (or without a model when it names none);
 * `auditWith` is the audit service for that model (the composition root builds it).
 */
export function captionAuditJobHandler(
  auditWith: (model: AuditModel | undefined) => Pick<CaptionAuditService, "run">,
  onModel: <T>(modelVersionId: string | undefined, fn: (model: AuditModel | undefined) => Promise<T>) => Promise<T>,
): JobHandler {
  return async (job, progress, signal) => {
    const params = (job.params ?? {}) as CaptionAuditJobParams;
    return onModel(params.modelVersionId ?? undefined, (model) =>
      auditWith(model).run({
        dataset: params.dataset,
        split: params.split,
        force: params.force,
        signal,
        onProgress: (p) => void progress(p.done / Math.max(1, p.total), `captions ${p.done}/${p.total}`),
      }),
    );
  };
}
