// Model versions and their stored evaluations; activation and evaluation/re-index requests.
import type { EvaluationRunModel, JobModel, ModelVersionModel, PrismaClient, Split } from "@medcap/db";
import { MedcapError, notFound } from "../core/errors.js";
import { PROTOCOL_BY_KEY, type ProtocolKey } from "../eval/eval.protocols.js";
import type { JobQueue } from "../jobs/job.queue.js";
import { type CaptioningOverrides, captioningToJson } from "../search/caption.strategy.js";
import { activateIndexedVersion, findModelVersion, incompleteIndexError, indexGap } from "../lifecycle/model.registry.js";
import { writeAudit } from "../core/audit.writer.js";

/** What activation needs from a running server: switch what it serves, with the database flip in between. */
export interface ModelSwitcher {
  servedVersionId(): string;
  /** Loads the version (CONFLICT when its folder is unknown or does not load), runs commit, then serves it. */
  switchTo(modelVersionId: string, commit: () => Promise<void>): Promise<unknown>;
}

export class ModelVersionService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly queue: JobQueue,
    private readonly onEnqueued: () => void = () => {},
    /** The running server's model handle; without one (no retrieval core) activation only flips the flag. */
    private readonly switcher?: ModelSwitcher,
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

  /**
   * Blue/green activation (ADMIN): refuses with CONFLICT while the version's index is incomplete (it
   * says what is missing and how to index it) or, in a server, when its model folder cannot be found
   * or loaded; otherwise the server loads it, the flag flips with an audit row, and searches answer
   * from it. Other servers on the same database follow within MEDCAP_MODEL_POLL_MS.
   */
  async activate(id: string, actor: string): Promise<ModelVersionModel> {
    const target = await findModelVersion(this.prisma, id);
    if (target.active) {
      // Nothing to flip. A server that could not load it (its /readyz says why) tries again now.
      if (this.switcher && this.switcher.servedVersionId() !== id) await this.switcher.switchTo(id, async () => {});
      // Still an admin's decision on record, like every allowed mutation.
      const same = { activeModelVersionId: id };
      await this.prisma.$transaction((tx) =>
        writeAudit(tx, { actor, action: "modelVersion.activate", targetType: "ModelVersion", targetId: id, before: same, after: same }),
      );
      return target;
    }
    const gap = await indexGap(this.prisma, id);
    if (gap.images > 0 || gap.captions > 0) throw incompleteIndexError(target, gap);
    const commit = async () => {
      await activateIndexedVersion(this.prisma, id, actor);
    };
    if (this.switcher) await this.switcher.switchTo(id, commit);
    else await commit();
    return findModelVersion(this.prisma, id);
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
