// Background work is dispatched by job kind to handlers registered at start-up (the retrieval core
// registers REINDEX and EVALUATION). A kind without a handler stays QUEUED until a process that has
// one picks it up.
import type { JobKind, JobModel } from "@medcap/db";

/** Records progress (0..1, clamped) and an optional message on the job row. */
export type ReportProgress = (progress: number, message?: string) => Promise<void>;

/**
 * Runs one job. What it returns (JSON-serialisable) is stored as the job's result; what it throws
 * ends the job FAILED with the error's message. `signal` aborts when the worker shuts down.
 */
export type JobHandler = (job: JobModel, reportProgress: ReportProgress, signal: AbortSignal) => Promise<unknown>;

export class JobHandlerRegistry {
  private readonly handlers = new Map<JobKind, JobHandler>();

  register(kind: JobKind, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  get(kind: JobKind): JobHandler | undefined {
    return this.handlers.get(kind);
  }

  kinds(): JobKind[] {
    return [...this.handlers.keys()];
  }
}

/** The process-wide registry the server's worker uses unless given another. */
export const jobHandlers = new JobHandlerRegistry();

export function registerJobHandler(kind: JobKind, handler: JobHandler): void {
  jobHandlers.register(kind, handler);
}
