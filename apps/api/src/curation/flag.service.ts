// Flags: annotators raise them, curators accept (optionally correcting the caption) or reject.
import type { FlagModel, FlagReason, FlagStatus, PrismaClient } from "@medcap/db";
import { MedcapError, notFound } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { RetrievalPort } from "../search/search.types.js";
import { writeAudit } from "../core/audit.writer.js";
import { reindexAfterCommit, reviseCaption } from "./caption.service.js";
import { type CursorPage, decodeCursor, pageSize, toConnection } from "./pagination.js";

const MAX_NOTE = 5000;

function note(value: string | null | undefined, what: string): string | null {
  const v = value?.trim();
  if (!v) return null;
  if (v.length > MAX_NOTE) throw new MedcapError("BAD_USER_INPUT", `${what} is longer than ${MAX_NOTE} characters`);
  return v;
}

export class FlagService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly retrieval: RetrievalPort | undefined,
    private readonly logger: Logger,
  ) {}

  /** Newest first; the cursor is the last flag's id and the order is (createdAt, id) descending. */
  async list(args: { status?: FlagStatus | null; first?: number | null; after?: string | null }): Promise<CursorPage<FlagModel>> {
    const size = pageSize(args.first);
    const where = args.status ? { status: args.status } : {};
    const afterId = args.after ? decodeCursor(args.after) : undefined;
    const [rows, totalCount] = await Promise.all([
      this.prisma.flag.findMany({
        where,
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: size + 1,
        ...(afterId ? { cursor: { id: afterId }, skip: 1 } : {}),
      }),
      this.prisma.flag.count({ where }),
    ]);
    return toConnection(rows, size, totalCount);
  }

  async raise(input: { captionId: string; reason: FlagReason; note?: string | null }, actor: string): Promise<FlagModel> {
    return this.prisma.$transaction(async (tx) => {
      const caption = await tx.caption.findUnique({ where: { id: input.captionId }, select: { id: true } });
      if (!caption) throw notFound("caption", input.captionId);
      const flag = await tx.flag.create({
        data: { captionId: caption.id, reason: input.reason, note: note(input.note, "note"), raisedBy: actor },
      });
      await writeAudit(tx, { actor, action: "flag.raise", targetType: "Flag", targetId: flag.id, after: flag });
      return flag;
    });
  }

  async resolve(
    input: { id: string; decision: "ACCEPT" | "REJECT"; correctedText?: string | null; comment?: string | null },
    actor: string,
  ): Promise<FlagModel> {
    if (input.decision === "REJECT" && input.correctedText) {
      throw new MedcapError("BAD_USER_INPUT", "correctedText only goes with ACCEPT");
    }
    const comment = note(input.comment, "comment");
    const { flag, revised } = await this.prisma.$transaction(async (tx) => {
      // Lock the flag row so two curators cannot resolve it twice.
      await tx.$queryRaw`select id from "Flag" where id = ${input.id} for update`;
      const before = await tx.flag.findUnique({ where: { id: input.id } });
      if (!before) throw notFound("flag", input.id);
      if (before.status !== "OPEN") throw new MedcapError("BAD_USER_INPUT", `flag ${before.id} is already ${before.status}`);
      let correctedText: string | null = null;
      let revised = false;
      if (input.decision === "ACCEPT" && input.correctedText?.trim()) {
        const caption = await reviseCaption(tx, {
          captionId: before.captionId,
          text: input.correctedText,
          comment: comment ?? `flag ${before.id} (${before.reason}) accepted`,
          actor,
          action: "caption.correct",
        });
        correctedText = caption.text;
        revised = true;
      }
      const flag = await tx.flag.update({
        where: { id: before.id },
        data: {
          status: input.decision === "ACCEPT" ? "ACCEPTED" : "REJECTED",
          resolvedBy: actor,
          resolutionComment: comment,
          correctedText,
          resolvedAt: new Date(),
        },
      });
      await writeAudit(tx, { actor, action: "flag.resolve", targetType: "Flag", targetId: flag.id, before, after: flag });
      return { flag, revised };
    });
    if (revised) await reindexAfterCommit(this.retrieval, this.logger, flag.captionId);
    return flag;
  }
}
