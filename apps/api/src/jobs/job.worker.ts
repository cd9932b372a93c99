// Polls the queue and runs jobs one at a time per worker, heartbeating while a handler runs.
import { randomUUID } from "node:crypto";
import os from "node:os";
import type { JobModel } from "@medcap/db";
import type { Logger } from "../core/logger.js";
import { type JobHandlerRegistry, jobHandlers } from "./job.handlers.js";
import type { JobQueue } from "./job.queue.js";

const PROGRESS_INTERVAL_MS = 250;

export interface JobWorkerOptions {
  handlers?: JobHandlerRegistry;
  pollIntervalMs?: number;
  heartbeatIntervalMs?: number;
  /** A RUNNING job silent for this long is declared lost. */
  staleAfterMs?: number;
  /** A lost job is re-queued until it has been started this many times (MEDCAP_JOB_MAX_ATTEMPTS). */
  maxAttempts?: number;
}

export class JobWorker {
  readonly id = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly handlers: JobHandlerRegistry;
  private readonly pollIntervalMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly staleAfterMs: number;
  private readonly maxAttempts: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly queue: JobQueue,
    private readonly logger: Logger,
    options: JobWorkerOptions = {},
  ) {
    this.handlers = options.handlers ?? jobHandlers;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5000;
    // Six missed heartbeats: long enough for a GC pause or a slow database, short enough that a job
    // of a killed process is picked up again within a minute.
    this.staleAfterMs = options.staleAfterMs ?? 6 * this.heartbeatIntervalMs;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Polls now instead of at the next interval (called after a job is queued in this process). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops claiming; a running handler is asked to abort and awaited. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    this.wake();
    await this.loop;
  }

  /** Claims and runs at most one job; true when one ran. */
  async runOnce(): Promise<boolean> {
    const job = await this.queue.claim(this.id, this.handlers.kinds());
    if (!job) return false;
    await this.execute(job);
    return true;
  }

  private async run(): Promise<void> {
    let lastStaleCheck = 0;
    while (this.running) {
      try {
        if (Date.now() - lastStaleCheck > this.staleAfterMs / 3) {
          lastStaleCheck = Date.now();
          const lost = await this.queue.recoverStale(this.staleAfterMs, this.maxAttempts);
          if (lost.requeued) this.logger.warn({ jobs: lost.requeued }, "jobs without heartbeat re-queued");
          if (lost.failed) this.logger.warn({ jobs: lost.failed, maxAttempts: this.maxAttempts }, "jobs without heartbeat failed for good");
        }
        if (await this.runOnce()) continue;
      } catch (err) {
        this.logger.error({ err }, "job worker poll failed");
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollIntervalMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private async execute(job: JobModel): Promise<void> {
    const handler = this.handlers.get(job.kind);
    const log = this.logger.child({ jobId: job.id, kind: job.kind });
    if (!handler) {
      await this.queue.fail(job.id, this.id, `no handler registered for ${job.kind}`);
      return;
    }
    log.info("job started");
    const heartbeat = setInterval(() => {
      this.queue.heartbeat(job.id, this.id).catch((err) => log.warn({ err }, "heartbeat failed"));
    }, this.heartbeatIntervalMs);
    // Handlers may report per item (and without awaiting); writes are spaced out, and the latest
    // report is always written before the job finishes.
    // Writes run one after another: an unawaited early write racing the final one on another pool
    // connection could otherwise land last and leave a stale message on the finished job.
    let lastWrite = 0;
    let pending: { progress: number; message: string | undefined } | undefined;
    let writing: Promise<void> = Promise.resolve();
    const flush = (): Promise<void> => {
      lastWrite = Date.now();
      writing = writing
        .catch(() => {})
        .then(async () => {
          if (!pending) return;
          const { progress, message } = pending;
          pending = undefined;
          await this.queue.progress(job.id, this.id, progress, message);
        });
      return writing;
    };
    const report = async (progress: number, message?: string) => {
      pending = { progress, message: message ?? pending?.message };
      if (Date.now() - lastWrite >= PROGRESS_INTERVAL_MS) await flush();
    };
    try {
      const result = await handler(job, report, this.abort.signal);
      await flush();
      await this.queue.succeed(job.id, this.id, result);
      log.info("job succeeded");
    } catch (err) {
      const cancelled = this.abort.signal.aborted;
      await flush().catch(() => {});
      const message = err instanceof Error ? err.message : String(err);
      await this.queue.fail(job.id, this.id, message, cancelled ? "CANCELLED" : "FAILED");
      log.warn({ err }, cancelled ? "job cancelled by shutdown" : "job failed");
    } finally {
      clearInterval(heartbeat);
    }
  }
}
