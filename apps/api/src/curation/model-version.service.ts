// Model versions and their stored evaluations; activation and evaluation/re-index requests.
import type { EvaluationRunModel, JobModel, ModelVersionModel, PrismaClient, Split } from "@medcap/db";
import { MedcapError, notFound } from "../core/errors.js";
import { PROTOCOL_BY_KEY, type ProtocolKey } from "../eval/eval.protocols.js";
import type { JobQueue } from "../jobs/job.queue.js";
import { type CaptioningOverrides, captioningToJson } from "../search/caption.strategy.js";
import { writeAudit } from "./audit.writer.js";

export class ModelVersionService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly queue: JobQueue,
    private readonly onEnqueued: () => void = () => {},
  ) {}

  list(): Promise<ModelVersionModel[]> {
    return this.prisma.modelVersion.findMany({ orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  }

  evaluationRuns(filter: {
    modelVersionId?: string | null;
    protocol?: ProtocolKey | null;
    split?: Split | null;
  }): Promise<EvaluationRunModel[]> {
    return this.prisma.evaluationRun.findMany({
      where: {
        ...(filter.modelVersionId ? { modelVersionId: filter.modelVersionId } : {}),
        ...(filter.protocol ? { protocol: PROTOCOL_BY_KEY[filter.protocol] } : {}),
        ...(filter.split ? { split: filter.split } : {}),
      },
      orderBy: [{ startedAt: "desc" }, { id: "desc" }],
      take: 500,
    });
  }

  private async resolveVersion(id: string | null | undefined): Promise<ModelVersionModel> {
    const version = id
      ? await this.prisma.modelVersion.findUnique({ where: { id } })
      : await this.prisma.modelVersion.findFirst({ where: { active: true } });
    if (!version)
      throw id ? notFound("model version", id) : new MedcapError("BAD_USER_INPUT", "no model version is active; pass modelVersionId");
    return version;
  }

  async activate(id: string, actor: string): Promise<ModelVersionModel> {
    return this.prisma.$transaction(async (tx) => {
      const target = await tx.modelVersion.findUnique({ where: { id } });
      if (!target) throw notFound("model version", id);
      const previous = await tx.modelVersion.findFirst({ where: { active: true } });
      await tx.modelVersion.updateMany({ where: { active: true, id: { not: id } }, data: { active: false } });
      const after = await tx.modelVersion.update({ where: { id }, data: { active: true } });
      await writeAudit(tx, {
        actor,
        action: "modelVersion.activate",
        targetType: "ModelVersion",
        targetId: id,
        before: { activeModelVersionId: previous?.id ?? null },
        after: { activeModelVersionId: id },
      });
      return after;
    });
  }

  async requestReindex(modelVersionId: string | null | undefined, actor: string): Promise<JobModel> {
    const version = await this.resolveVersion(modelVersionId);
    const job = await this.prisma.$transaction((tx) =>
      this.queue.enqueue(tx, { kind: "REINDEX", params: { modelVersionId: version.id }, createdBy: actor }),
    );
    this.onEnqueued();
    return job;
  }

  /** `captioning` (caption-library only): knobs checked now, stored in the job, applied by the worker. */
  async requestEvaluation(
    input: { protocol: ProtocolKey; split: Split; modelVersionId?: string | null; captioning?: CaptioningOverrides },
    actor: string,
  ): Promise<JobModel> {
    const version = await this.resolveVersion(input.modelVersionId);
    const captioning = input.captioning ? captioningToJson(input.captioning) : {};
    const job = await this.prisma.$transaction((tx) =>
      this.queue.enqueue(tx, {
        kind: "EVALUATION",
        params: {
          protocol: PROTOCOL_BY_KEY[input.protocol],
          split: input.split,
          modelVersionId: version.id,
          ...(Object.keys(captioning).length ? { captioning } : {}),
        },
        createdBy: actor,
      }),
    );
    this.onEnqueued();
    return job;
  }
}
