// The Postgres-backed job queue: rows in "Job", claimed with FOR UPDATE SKIP LOCKED so any number
// of workers (in any number of processes) never run one job twice.
import { Prisma, type JobKind, type JobModel, type JobStatus, type PrismaClient } from "@medcap/db";
import { writeAudit, type Tx } from "../core/audit.writer.js";

export interface EnqueueInput {
  kind: JobKind;
  params: Record<string, unknown>;
  createdBy: string;
}

export class JobQueue {
  constructor(private readonly prisma: PrismaClient) {}

  /** Inserts a QUEUED job and its audit row inside the caller's transaction. */
  async enqueue(tx: Tx, input: EnqueueInput): Promise<JobModel> {
    const job = await tx.job.create({
      data: { kind: input.kind, params: input.params as Prisma.InputJsonValue, createdBy: input.createdBy },
    });
    await writeAudit(tx, {
      actor: input.createdBy,
      action: "job.enqueue",
      targetType: "Job",
      targetId: job.id,
      after: { kind: job.kind, params: input.params },
    });
    return job;
  }

  get(id: string): Promise<JobModel | null> {
    return this.prisma.job.findUnique({ where: { id } });
  }

  /** Atomically moves the oldest QUEUED job of one of `kinds` to RUNNING for `workerId`. */
  async claim(workerId: string, kinds: JobKind[]): Promise<JobModel | undefined> {
    if (kinds.length === 0) return undefined;
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      update "Job" set status = 'RUNNING', "lockedBy" = ${workerId}, "startedAt" = now(), "heartbeatAt" = now(),
        progress = 0, message = null, error = null, attempts = attempts + 1
      where id = (
        select id from "Job"
        where status = 'QUEUED' and kind::text in (${Prisma.join(kinds)})
        order by "createdAt", id
        for update skip locked
        limit 1
      )
      returning id`;
    const id = rows[0]?.id;
    return id ? ((await this.get(id)) ?? undefined) : undefined;
  }

  /** Every update below is conditional on the worker still owning the job, so a job declared lost cannot be overwritten. */
  private owned(id: string, workerId: string) {
    return { id, lockedBy: workerId, status: "RUNNING" as const };
  }

  async heartbeat(id: string, workerId: string): Promise<boolean> {
    const out = await this.prisma.job.updateMany({ where: this.owned(id, workerId), data: { heartbeatAt: new Date() } });
    return out.count === 1;
  }

  async progress(id: string, workerId: string, progress: number, message?: string): Promise<void> {
    const clamped = Number.isFinite(progress) ? Math.min(1, Math.max(0, progress)) : 0;
    await this.prisma.job.updateMany({
      where: this.owned(id, workerId),
      data: { progress: clamped, heartbeatAt: new Date(), ...(message === undefined ? {} : { message }) },
    });
  }

  async succeed(id: string, workerId: string, result: unknown): Promise<void> {
    await this.prisma.job.updateMany({
      where: this.owned(id, workerId),
      data: {
        status: "SUCCEEDED",
        progress: 1,
        finishedAt: new Date(),
        result: result === undefined ? Prisma.DbNull : (JSON.parse(JSON.stringify(result)) as Prisma.InputJsonValue),
      },
    });
  }

  async fail(id: string, workerId: string, error: string, status: JobStatus = "FAILED"): Promise<void> {
    await this.prisma.job.updateMany({ where: this.owned(id, workerId), data: { status, error, finishedAt: new Date() } });
  }

  /**
   * RUNNING jobs whose worker stopped heartbeating (a crashed or killed process) go back to QUEUED for
   * another worker, until they have been started `maxAttempts` times; then they end FAILED, saying
   * why: a handler that crashes its process would otherwise crash every worker in turn.
   */
  async recoverStale(staleAfterMs: number, maxAttempts: number): Promise<{ requeued: number; failed: number }> {
    const cutoff = new Date(Date.now() - staleAfterMs);
    const lost = `worker lost: no heartbeat since before ${cutoff.toISOString()}`;
    return this.prisma.$transaction(async (tx) => {
      const failed = await tx.job.updateMany({
        where: { status: "RUNNING", heartbeatAt: { lt: cutoff }, attempts: { gte: maxAttempts } },
        data: { status: "FAILED", error: `${lost}; gave up after ${maxAttempts} attempt(s)`, finishedAt: new Date() },
      });
      const requeued = await tx.job.updateMany({
        where: { status: "RUNNING", heartbeatAt: { lt: cutoff }, attempts: { lt: maxAttempts } },
        data: { status: "QUEUED", lockedBy: null, heartbeatAt: null, message: `re-queued: ${lost}`, error: null },
      });
      return { requeued: requeued.count, failed: failed.count };
    });
  }

  /** Jobs per status, for the queue depth metric. */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.prisma.job.groupBy({ by: ["status"], _count: { _all: true } });
    return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
  }
}
