// The caption audit (issue #25): ranks the catalogue's current captions by how likely they are wrong.
// Rules run on text and metadata; the model's view comes from stored vectors and the vector store's
// search (so it runs against Qdrant too) and, when the served model has heads, its attribute
// predictions. Verdicts are stored per caption, keyed by the caption revision, the model version and a
// hash of what else they depended on, so a re-run re-checks only what changed.
import { createHash, randomUUID } from "node:crypto";
import {
  type CaptionSuspicionModel,
  type FlagModel,
  type FlagReason,
  type JobModel,
  Prisma,
  type PrismaClient,
  type Split,
} from "@medcap/db";
import type { AttributePrediction } from "../attributes/attribute.prediction.js";
import { cosine } from "../core/cosine.js";
import { MedcapError, notFound } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { writeAudit } from "../core/audit.writer.js";
import { type CursorPage, decodeCursor, pageSize, toConnection } from "../curation/pagination.js";
import type { JobQueue } from "../jobs/job.queue.js";
import type { EmbeddingRepository } from "../search/embedding.repository.js";
import { bytesToVector, type VectorStore } from "../vectors/vector.store.js";
import { agreementReasons, predictedAttributeReasons } from "./caption.agreement.js";
import { duplicateReasons } from "./caption.duplicate.js";
import { junkReasons } from "./caption.junk.js";
import { type ImageFacts, metadataReasons } from "./caption.metadata.js";
import { combineReasons, type ReasonCode, type SuspicionReason } from "./suspicion.reason.js";

/** The served model as the audit uses it; absent, only the text and metadata rules run. */
export interface AuditModel {
  modelVersionId: string;
  store: VectorStore;
  repo: EmbeddingRepository;
  /** The image's attribute predictions, or null when the model has no heads. */
  attributes?: (imageId: string) => Promise<AttributePrediction[] | null>;
}

export interface AuditScope {
  dataset?: string | null;
  split?: Split | null;
}

export interface AuditProgress {
  done: number;
  total: number;
}

export interface AuditRunOptions extends AuditScope {
  /** Re-check every caption in scope, not only what changed. */
  force?: boolean;
  onProgress?: (p: AuditProgress) => void;
  signal?: AbortSignal;
}

export interface AuditRunReport {
  modelVersionId: string | null;
  /** Current captions in scope. */
  captions: number;
  /** Captions (re-)checked this run; the others' verdicts still held. */
  checked: number;
  reused: number;
  /** Captions in scope with a score above 0 and not dismissed. */
  suspicious: number;
  seconds: number;
}

export interface SuspicionFilter extends AuditScope {
  reason?: ReasonCode | null;
  minScore?: number | null;
}

export interface SuspicionView {
  id: string;
  captionId: string;
  text: string;
  score: number;
  reasons: SuspicionReason[];
  images: { id: string; externalId: string; case: string }[];
  modelVersionId: string | null;
  checkedAt: Date;
}

/** Nearest other-case captions / images the model compares a pair with. */
const NEIGHBOURS = 10;
/** Pairs looked up at once (store searches and attribute runs). */
const BATCH = 32;

interface CaptionRow {
  captionId: string;
  text: string;
  revision: number;
  imageId: string;
  caseId: string;
  dataset: string;
  modality: ImageFacts["modality"];
  modalityDetail: string | null;
  plane: string | null;
  locationCategory: string | null;
}

const FLAG_REASON: Record<ReasonCode, FlagReason> = {
  PLACEHOLDER: "NOT_A_CAPTION",
  FIGURE_NUMBER: "NOT_A_CAPTION",
  TOO_SHORT: "NOT_A_CAPTION",
  NO_CLINICAL_CONTENT: "NOT_A_CAPTION",
  ENCODING_GARBAGE: "NOT_A_CAPTION",
  MODALITY_MISMATCH: "WRONG_MODALITY",
  SEQUENCE_MISMATCH: "WRONG_MODALITY",
  PLANE_MISMATCH: "OTHER",
  ANATOMY_MISMATCH: "WRONG_ANATOMY",
  MODEL_DISAGREES: "WRONG_FINDING",
  PREDICTED_ATTRIBUTE_MISMATCH: "WRONG_ANATOMY",
  DUPLICATE_ACROSS_CASES: "WRONG_FINDING",
  DUPLICATE_ACROSS_REGIONS: "WRONG_ANATOMY",
};

/** A stored reasons column back as reasons (rows are written only by this service). */
export const storedReasons = (value: unknown): SuspicionReason[] => (Array.isArray(value) ? (value as SuspicionReason[]) : []);

const sha = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex");

function scopeWhere(scope: AuditScope): Prisma.CaptionWhereInput {
  return {
    isCurrent: true,
    image: {
      case: {
        ...(scope.split ? { split: scope.split } : {}),
        ...(scope.dataset ? { dataset: { name: scope.dataset } } : {}),
      },
    },
  };
}

export class CaptionAuditService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    private readonly model?: AuditModel,
    private readonly jobs?: { queue: JobQueue; onEnqueued: () => void },
  ) {}

  /** Queues a CAPTION_AUDIT job run with the active model version (what servers answer with). */
  async request(input: AuditScope & { force?: boolean | null }, actor: string): Promise<JobModel> {
    if (!this.jobs) throw new MedcapError("SERVICE_UNAVAILABLE", "this process runs no job queue");
    const { queue, onEnqueued } = this.jobs;
    const active = await this.prisma.modelVersion.findFirst({ where: { active: true }, select: { id: true } });
    const params = {
      modelVersionId: active?.id ?? null,
      dataset: input.dataset ?? null,
      split: input.split ?? null,
      force: input.force ?? false,
    };
    const job = await this.prisma.$transaction((tx) => queue.enqueue(tx, { kind: "CAPTION_AUDIT", params, createdBy: actor }));
    onEnqueued();
    return job;
  }

  private async captionsInScope(scope: AuditScope): Promise<CaptionRow[]> {
    const dataset = scope.dataset ?? null;
    const split = scope.split ?? null;
    return this.prisma.$queryRaw<CaptionRow[]>`
      select cap.id as "captionId", cap.text, cap.revision, i.id as "imageId", c.id as "caseId", d.name as dataset,
             i.modality::text as modality, i."modalityDetail", i.plane, i."locationCategory"
      from "Caption" cap join "Image" i on i.id = cap."imageId" join "Case" c on c.id = i."caseId"
      join "Dataset" d on d.id = c."datasetId"
      where cap."isCurrent" and (${dataset}::text is null or d.name = ${dataset}) and (${split}::text is null or c.split::text = ${split})
      order by cap.id`;
  }

  /** Audits every current caption in scope that changed since its last verdict (or all, with `force`) and stores the verdicts. */
  async run(options: AuditRunOptions = {}): Promise<AuditRunReport> {
    const started = performance.now();
    const rows = await this.captionsInScope(options);
    const modelVersionId = this.model?.modelVersionId ?? null;
    // Shared texts are judged over the whole catalogue: a copy in another dataset counts too.
    const all = options.dataset || options.split ? await this.captionsInScope({}) : rows;
    const duplicates = duplicateReasons(all);
    const inputOf = (r: CaptionRow) =>
      sha([r.imageId, r.caseId, r.dataset, r.modality, r.modalityDetail, r.plane, r.locationCategory, duplicates.get(r.captionId) ?? []]);
    const held = new Map(
      (
        await this.prisma.captionSuspicion.findMany({
          where: { captionId: { in: rows.map((r) => r.captionId) } },
          select: { captionId: true, captionRevision: true, modelVersionId: true, inputSha256: true },
        })
      ).map((s) => [s.captionId, s]),
    );
    const stale = rows.filter((r) => {
      const h = held.get(r.captionId);
      return options.force || !h || h.captionRevision !== r.revision || h.modelVersionId !== modelVersionId || h.inputSha256 !== inputOf(r);
    });
    options.onProgress?.({ done: 0, total: stale.length });
    for (let i = 0; i < stale.length; i += BATCH) {
      if (options.signal?.aborted) throw new MedcapError("SERVICE_UNAVAILABLE", "caption audit aborted");
      const batch = stale.slice(i, i + BATCH);
      const modelReasons = await this.modelReasons(batch);
      const verdicts = batch.map((r) => {
        const facts: ImageFacts = r;
        const { score, reasons } = combineReasons([
          ...junkReasons(r.text),
          ...metadataReasons(r.text, facts),
          ...(duplicates.get(r.captionId) ?? []),
          ...(modelReasons.get(r.captionId) ?? []),
        ]);
        return { row: r, score, reasons, input: inputOf(r) };
      });
      await this.store(verdicts, modelVersionId);
      options.onProgress?.({ done: Math.min(stale.length, i + BATCH), total: stale.length });
    }
    const suspicious = await this.prisma.captionSuspicion.count({
      where: { score: { gt: 0 }, dismissedAt: null, caption: scopeWhere(options) },
    });
    const report: AuditRunReport = {
      modelVersionId,
      captions: rows.length,
      checked: stale.length,
      reused: rows.length - stale.length,
      suspicious,
      seconds: (performance.now() - started) / 1000,
    };
    this.logger.info(report, "caption audit done");
    return report;
  }

  /** The model's reasons per caption id: relative agreement from stored vectors, attribute contradictions. */
  private async modelReasons(batch: CaptionRow[]): Promise<Map<string, SuspicionReason[]>> {
    const out = new Map<string, SuspicionReason[]>();
    const model = this.model;
    if (!model) return out;
    const vectors = await this.prisma.embedding.findMany({
      where: {
        modelVersionId: model.modelVersionId,
        OR: [
          { kind: "IMAGE", targetId: { in: [...new Set(batch.map((r) => r.imageId))] } },
          { kind: "CAPTION", targetId: { in: batch.map((r) => r.captionId) } },
        ],
      },
      select: { kind: true, targetId: true, vector: true },
    });
    const image = new Map<string, Float32Array>();
    const caption = new Map<string, Float32Array>();
    for (const v of vectors) (v.kind === "IMAGE" ? image : caption).set(v.targetId, bytesToVector(v.vector));
    const attributes = new Map<string, AttributePrediction[] | null>();
    await Promise.all(
      batch.map(async (r) => {
        const reasons: SuspicionReason[] = [];
        const iv = image.get(r.imageId);
        const cv = caption.get(r.captionId);
        if (iv && cv) {
          const exclude = { excludeCaseIds: [r.caseId] };
          const [captions, images] = await Promise.all([
            model.store.search(model.modelVersionId, iv, { kind: "CAPTION", k: NEIGHBOURS, filter: exclude }),
            model.store.search(model.modelVersionId, cv, { kind: "IMAGE", k: NEIGHBOURS, filter: exclude }),
          ]);
          reasons.push(
            ...agreementReasons({
              own: cosine(iv, cv),
              imageToCaptions: captions.map((h) => h.score),
              captionToImages: images.map((h) => h.score),
            }),
          );
        }
        if (model.attributes) {
          if (!attributes.has(r.imageId)) attributes.set(r.imageId, await model.attributes(r.imageId).catch(() => null));
          reasons.push(...predictedAttributeReasons(r.text, r, attributes.get(r.imageId)));
        }
        if (reasons.length) out.set(r.captionId, reasons);
      }),
    );
    return out;
  }

  /** Upserts verdicts in one statement; a verdict on a new caption revision clears an earlier dismissal. */
  private async store(
    verdicts: { row: CaptionRow; score: number; reasons: SuspicionReason[]; input: string }[],
    modelVersionId: string | null,
  ) {
    if (!verdicts.length) return;
    const values = verdicts.map(
      (v) =>
        Prisma.sql`(${randomUUID()}, ${v.row.captionId}, ${v.row.revision}, ${modelVersionId}, ${v.input}, ${v.score}, ${JSON.stringify(v.reasons)}::jsonb, ${v.reasons.map((r) => r.code)}::text[], now())`,
    );
    await this.prisma.$executeRaw`
      insert into "CaptionSuspicion" (id, "captionId", "captionRevision", "modelVersionId", "inputSha256", score, reasons, "reasonCodes", "checkedAt")
      values ${Prisma.join(values)}
      on conflict ("captionId") do update set
        "dismissedAt" = case when "CaptionSuspicion"."captionRevision" <> excluded."captionRevision" then null else "CaptionSuspicion"."dismissedAt" end,
        "dismissedBy" = case when "CaptionSuspicion"."captionRevision" <> excluded."captionRevision" then null else "CaptionSuspicion"."dismissedBy" end,
        "dismissNote" = case when "CaptionSuspicion"."captionRevision" <> excluded."captionRevision" then null else "CaptionSuspicion"."dismissNote" end,
        "flagId" = case when "CaptionSuspicion"."captionRevision" <> excluded."captionRevision" then null else "CaptionSuspicion"."flagId" end,
        "captionRevision" = excluded."captionRevision", "modelVersionId" = excluded."modelVersionId",
        "inputSha256" = excluded."inputSha256", score = excluded.score, reasons = excluded.reasons,
        "reasonCodes" = excluded."reasonCodes", "checkedAt" = excluded."checkedAt"`;
  }

  private suspicionWhere(filter: SuspicionFilter): Prisma.CaptionSuspicionWhereInput {
    if (filter.minScore !== undefined && filter.minScore !== null && !(filter.minScore >= 0 && filter.minScore <= 1))
      throw new MedcapError("BAD_USER_INPUT", `minScore must be between 0 and 1, got ${filter.minScore}`);
    return {
      dismissedAt: null,
      score: filter.minScore ? { gte: filter.minScore, gt: 0 } : { gt: 0 },
      ...(filter.reason ? { reasonCodes: { has: filter.reason } } : {}),
      caption: scopeWhere(filter),
    };
  }

  /** Open suspicions, most suspicious first (ties by id), as a cursor page. */
  async page(args: {
    first?: number | null;
    after?: string | null;
    filter?: SuspicionFilter | null;
  }): Promise<CursorPage<CaptionSuspicionModel>> {
    const size = pageSize(args.first);
    const where = this.suspicionWhere(args.filter ?? {});
    const afterId = args.after ? decodeCursor(args.after) : undefined;
    const [rows, totalCount] = await Promise.all([
      this.prisma.captionSuspicion.findMany({
        where,
        orderBy: [{ score: "desc" }, { id: "asc" }],
        take: size + 1,
        ...(afterId ? { cursor: { id: afterId }, skip: 1 } : {}),
      }),
      this.prisma.captionSuspicion.count({ where }),
    ]);
    return toConnection(rows, size, totalCount);
  }

  /** Open suspicions for people and scripts (the CLI): caption text and the images that carry it. */
  async list(filter: SuspicionFilter & { limit?: number }): Promise<SuspicionView[]> {
    const rows = await this.prisma.captionSuspicion.findMany({
      where: this.suspicionWhere(filter),
      orderBy: [{ score: "desc" }, { id: "asc" }],
      ...(filter.limit ? { take: filter.limit } : {}),
      include: {
        caption: { select: { text: true, image: { select: { id: true, externalId: true, case: { select: { externalId: true } } } } } },
      },
    });
    return rows.map((s) => ({
      id: s.id,
      captionId: s.captionId,
      text: s.caption.text,
      score: s.score,
      reasons: storedReasons(s.reasons),
      images: [{ id: s.caption.image.id, externalId: s.caption.image.externalId, case: s.caption.image.case.externalId }],
      modelVersionId: s.modelVersionId,
      checkedAt: s.checkedAt,
    }));
  }

  /** Open suspicions (dashboard count). */
  count(filter: SuspicionFilter = {}): Promise<number> {
    return this.prisma.captionSuspicion.count({ where: this.suspicionWhere(filter) });
  }

  get(id: string): Promise<CaptionSuspicionModel | null> {
    return this.prisma.captionSuspicion.findUnique({ where: { id } });
  }

  /** Hides a suspicion until its caption changes (a new revision is audited afresh). */
  async dismiss(id: string, note: string | null | undefined, actor: string): Promise<CaptionSuspicionModel> {
    const text = note?.trim() || null;
    if (text && text.length > 5000) throw new MedcapError("BAD_USER_INPUT", "note is longer than 5000 characters");
    return this.prisma.$transaction(async (tx) => {
      const before = await tx.captionSuspicion.findUnique({ where: { id } });
      if (!before) throw notFound("suspicion", id);
      if (before.dismissedAt) throw new MedcapError("CONFLICT", `suspicion ${id} is already dismissed`);
      const after = await tx.captionSuspicion.update({
        where: { id },
        data: { dismissedAt: new Date(), dismissedBy: actor, dismissNote: text },
      });
      await writeAudit(tx, { actor, action: "suspicion.dismiss", targetType: "CaptionSuspicion", targetId: id, before, after });
      return after;
    });
  }

  /** Raises a flag on the suspicion's caption with its reasons as the note; the flag goes to the review queue. */
  async flag(id: string, actor: string): Promise<FlagModel> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`select id from "CaptionSuspicion" where id = ${id} for update`;
      const before = await tx.captionSuspicion.findUnique({ where: { id } });
      if (!before) throw notFound("suspicion", id);
      if (before.flagId) throw new MedcapError("CONFLICT", `suspicion ${id} was already flagged (flag ${before.flagId})`);
      const reasons = storedReasons(before.reasons);
      const top = reasons[0]?.code;
      const note = [`Caption audit (score ${before.score.toFixed(2)}):`, ...reasons.map((r) => `- ${r.code}: ${r.detail}`)]
        .join("\n")
        .slice(0, 5000);
      const flag = await tx.flag.create({
        data: { captionId: before.captionId, reason: top ? FLAG_REASON[top] : "OTHER", note, raisedBy: actor },
      });
      await writeAudit(tx, { actor, action: "flag.raise", targetType: "Flag", targetId: flag.id, after: flag });
      const after = await tx.captionSuspicion.update({ where: { id }, data: { flagId: flag.id } });
      await writeAudit(tx, { actor, action: "suspicion.flag", targetType: "CaptionSuspicion", targetId: id, before, after });
      return flag;
    });
  }
}

/** The audit's view of an open retrieval context; attribute predictions only where the model has heads. */
export function auditModelOf(r: {
  model: { modelVersionId: string };
  store: VectorStore;
  repo: EmbeddingRepository;
  encoder: { hasAttributes: boolean };
  search: { catalogueImageAttributes(imageId: string): Promise<AttributePrediction[] | null> };
}): AuditModel {
  return {
    modelVersionId: r.model.modelVersionId,
    store: r.store,
    repo: r.repo,
    attributes: r.encoder.hasAttributes ? (imageId) => r.search.catalogueImageAttributes(imageId) : undefined,
  };
}
