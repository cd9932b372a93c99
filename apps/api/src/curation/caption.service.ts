// Caption edits: each writes an immutable CaptionRevision and is re-indexed after it commits.
import type { CaptionModel, PrismaClient } from "@medcap/db";
import { MedcapError, notFound } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { RetrievalPort } from "../search/search.types.js";
import { type Tx, writeAudit } from "../core/audit.writer.js";

export const MAX_CAPTION_LENGTH = 5000;

export function cleanCaption(text: string): string {
  const clean = text.replace(/\s+/g, " ").trim();
  if (!clean) throw new MedcapError("BAD_USER_INPUT", "caption text must not be empty");
  if (clean.length > MAX_CAPTION_LENGTH) throw new MedcapError("BAD_USER_INPUT", `caption is longer than ${MAX_CAPTION_LENGTH} characters`);
  return clean;
}

/** Writes the next revision of a caption inside `tx`, audited. */
export async function reviseCaption(
  tx: Tx,
  input: {
    captionId: string;
    text: string;
    comment?: string | null;
    actor: string;
    action: string;
    /** Optimistic concurrency: refuse with CONFLICT unless the caption is still at this revision. */
    expectedRevision?: number | null;
  },
): Promise<CaptionModel> {
  const text = cleanCaption(input.text);
  // Row lock: concurrent edits of one caption queue here instead of both reading revision n and
  // both writing n + 1 (a unique violation that used to surface as INTERNAL_SERVER_ERROR).
  await tx.$queryRaw`select 1 from "Caption" where id = ${input.captionId} for update`;
  const before = await tx.caption.findUnique({ where: { id: input.captionId } });
  if (!before) throw notFound("caption", input.captionId);
  if (input.expectedRevision != null && input.expectedRevision !== before.revision) {
    throw new MedcapError(
      "CONFLICT",
      `caption ${before.id} is at revision ${before.revision}, not ${input.expectedRevision}: it was changed meanwhile; reload and retry`,
      { currentRevision: before.revision, expectedRevision: input.expectedRevision },
    );
  }
  const revision = before.revision + 1;
  const after = await tx.caption.update({
    where: { id: before.id },
    data: {
      text,
      source: "CURATED",
      revision,
      revisions: { create: { revision, text, source: "CURATED", author: input.actor, comment: input.comment ?? null } },
    },
  });
  await writeAudit(tx, {
    actor: input.actor,
    action: input.action,
    targetType: "Caption",
    targetId: before.id,
    before: { text: before.text, revision: before.revision, source: before.source },
    after: { text: after.text, revision: after.revision, source: after.source, comment: input.comment ?? null },
  });
  return after;
}

/**
 * Re-indexing runs after the commit: the database is the source of truth, so a failed re-index
 * leaves a stale vector (logged; repaired by the next `reindex`) rather than undoing the edit.
 */
export async function reindexAfterCommit(retrieval: RetrievalPort | undefined, logger: Logger, captionId: string): Promise<void> {
  if (!retrieval) {
    logger.warn({ captionId }, "no retrieval configured; caption not re-indexed");
    return;
  }
  try {
    await retrieval.reindexCaption(captionId);
  } catch (err) {
    logger.error({ err, captionId }, "caption re-index failed; run reindex to repair");
  }
}

export class CaptionService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly retrieval: RetrievalPort | undefined,
    private readonly logger: Logger,
  ) {}

  async update(
    input: { id: string; text: string; comment?: string | null; expectedRevision?: number | null },
    actor: string,
  ): Promise<CaptionModel> {
    const caption = await this.prisma.$transaction(
      (tx) =>
        reviseCaption(tx, {
          captionId: input.id,
          text: input.text,
          comment: input.comment,
          expectedRevision: input.expectedRevision,
          actor,
          action: "caption.update",
        }),
      // Edits of one caption wait for each other's row lock; give a burst of them room to queue.
      { maxWait: 10_000, timeout: 15_000 },
    );
    await reindexAfterCommit(this.retrieval, this.logger, caption.id);
    return caption;
  }
}
