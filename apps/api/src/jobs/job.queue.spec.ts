import { createPrismaClient, type JobModel } from "@medcap/db";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "@medcap/db/testing";
import { JobHandlerRegistry } from "./job.handlers.js";
import { JobQueue } from "./job.queue.js";
import { JobWorker } from "./job.worker.js";

let db: TestDatabase;
let queue: JobQueue;
const logger = pino({ level: "silent" });

beforeAll(async () => {
  db = await openTestDatabase();
  queue = new JobQueue(db.prisma);
});
afterAll(async () => {
  await db?.close();
});
beforeEach(async () => {
  await db.prisma.job.deleteMany();
});

const enqueue = (kind: "REINDEX" | "EVALUATION" | "IMPORT" = "REINDEX", params: Record<string, unknown> = {}) =>
  db.prisma.$transaction((tx) => queue.enqueue(tx, { kind, params, createdBy: "test" }));

describe("JobQueue", () => {
  it("never hands one job to two concurrent claimers (FOR UPDATE SKIP LOCKED)", async () => {
    const jobs: JobModel[] = [];
    for (let i = 0; i < 12; i++) jobs.push(await enqueue("REINDEX", { i }));
    const claimers = Array.from({ length: 4 }, async (_, w) => {
      const mine: string[] = [];
      for (;;) {
        const job = await queue.claim(`w${w}`, ["REINDEX"]);
        if (!job) return mine;
        expect(job.status).toBe("RUNNING");
        expect(job.lockedBy).toBe(`w${w}`);
        mine.push(job.id);
      }
    });
    const claimed = (await Promise.all(claimers)).flat();
    expect(claimed.length).toBe(12);
    expect(new Set(claimed).size).toBe(12);
    expect(await queue.claim("w9", ["REINDEX"])).toBeUndefined();
  });

  it("claims only kinds it has handlers for, and writes an audit row per enqueue", async () => {
    const job = await enqueue("IMPORT");
    expect(await queue.claim("w", ["REINDEX", "EVALUATION"])).toBeUndefined();
    expect(await queue.claim("w", [])).toBeUndefined();
    expect((await queue.claim("w", ["IMPORT"]))?.id).toBe(job.id);
    expect(await db.prisma.auditLog.count({ where: { targetId: job.id, action: "job.enqueue" } })).toBe(1);
  });

  it("clamps progress, and ignores updates from a worker that no longer owns the job", async () => {
    const job = await enqueue();
    await queue.claim("owner", ["REINDEX"]);
    await queue.progress(job.id, "owner", 7, "too far");
    expect(await queue.get(job.id)).toMatchObject({ progress: 1, message: "too far" });
    await queue.progress(job.id, "intruder", 0.1, "nope");
    await queue.succeed(job.id, "intruder", { x: 1 });
    expect(await queue.get(job.id)).toMatchObject({ status: "RUNNING", progress: 1, message: "too far" });
  });

  it("re-queues a RUNNING job whose worker died, and fails it with the reason once it has been started maxAttempts times", async () => {
    const job = await enqueue();
    const silence = () => db.prisma.job.update({ where: { id: job.id }, data: { heartbeatAt: new Date(Date.now() - 120_000) } });
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await queue.claim(`crashed-${attempt}`, ["REINDEX"])).toMatchObject({ id: job.id, attempts: attempt });
      await silence();
      const recovered = await queue.recoverStale(60_000, 3);
      if (attempt < 3) {
        expect(recovered).toEqual({ requeued: 1, failed: 0 });
        expect(await queue.get(job.id)).toMatchObject({
          status: "QUEUED",
          lockedBy: null,
          message: expect.stringMatching(/re-queued: worker lost/),
        });
      } else {
        expect(recovered).toEqual({ requeued: 0, failed: 1 });
        expect(await queue.get(job.id)).toMatchObject({
          status: "FAILED",
          error: expect.stringMatching(/worker lost.*gave up after 3 attempt/),
        });
      }
    }
    // A job that is heartbeating is left alone.
    const live = await enqueue();
    await queue.claim("alive", ["REINDEX"]);
    expect(await queue.recoverStale(60_000, 3)).toEqual({ requeued: 0, failed: 0 });
    expect(await queue.get(live.id)).toMatchObject({ status: "RUNNING", lockedBy: "alive" });
  });

  it("a job lost by a dead worker is finished by another worker", async () => {
    const job = await enqueue("REINDEX", { n: 1 });
    await queue.claim("killed-process", ["REINDEX"]);
    await db.prisma.job.update({ where: { id: job.id }, data: { heartbeatAt: new Date(Date.now() - 10_000) } });
    const handlers = new JobHandlerRegistry();
    handlers.register("REINDEX", async () => ({ done: true }));
    const worker = new JobWorker(queue, logger, { handlers, pollIntervalMs: 20, heartbeatIntervalMs: 500, staleAfterMs: 3000 });
    worker.start();
    try {
      for (let i = 0; i < 200 && (await queue.get(job.id))?.status !== "SUCCEEDED"; i++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      await worker.stop();
    }
    expect(await queue.get(job.id)).toMatchObject({ status: "SUCCEEDED", attempts: 2, lockedBy: worker.id, result: { done: true } });
  });
});

describe("two API replicas on one Postgres (issue #28)", () => {
  it("runs every job exactly once when two workers, each with its own connection pool, race for the queue", async () => {
    // A second replica: its own Prisma client and pool on the same database, its own queue and worker.
    const other = createPrismaClient(db.url, 3);
    const runs: { jobId: string; worker: string }[] = [];
    const handlersFor = (worker: string) => {
      const h = new JobHandlerRegistry();
      h.register("REINDEX", async (job) => {
        runs.push({ jobId: job.id, worker });
        await new Promise((r) => setTimeout(r, 5));
        return { by: worker };
      });
      return h;
    };
    const jobs: JobModel[] = [];
    for (let i = 0; i < 16; i++) jobs.push(await enqueue("REINDEX", { i }));
    const workers = [
      new JobWorker(queue, logger, { handlers: handlersFor("replica-1"), pollIntervalMs: 5 }),
      new JobWorker(new JobQueue(other), logger, { handlers: handlersFor("replica-2"), pollIntervalMs: 5 }),
    ];
    for (const w of workers) w.start();
    try {
      for (let i = 0; i < 800; i++) {
        if ((await db.prisma.job.count({ where: { status: "SUCCEEDED" } })) === jobs.length) break;
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await other.$disconnect();
    }
    expect(await db.prisma.job.count({ where: { status: "SUCCEEDED" } })).toBe(jobs.length);
    expect(runs.length).toBe(jobs.length);
    expect(new Set(runs.map((r) => r.jobId)).size).toBe(jobs.length);
    // The result names the replica that ran it: the one the run log says.
    for (const r of runs) expect((await queue.get(r.jobId))?.result).toEqual({ by: r.worker });
  });
});

describe("JobWorker", () => {
  it("runs a job to SUCCEEDED with progress, and a throwing handler to FAILED", async () => {
    const handlers = new JobHandlerRegistry();
    const seen: number[] = [];
    handlers.register("REINDEX", async (job, progress) => {
      await progress(0.5, "half");
      seen.push((await queue.get(job.id))!.progress);
      return { ok: true };
    });
    handlers.register("EVALUATION", async () => {
      throw new Error("bad split");
    });
    const worker = new JobWorker(queue, logger, { handlers });
    const ok = await enqueue("REINDEX");
    const bad = await enqueue("EVALUATION");
    expect(await worker.runOnce()).toBe(true);
    expect(await worker.runOnce()).toBe(true);
    expect(await worker.runOnce()).toBe(false);
    expect(seen).toEqual([0.5]);
    expect(await queue.get(ok.id)).toMatchObject({ status: "SUCCEEDED", progress: 1, message: "half", result: { ok: true } });
    expect(await queue.get(bad.id)).toMatchObject({ status: "FAILED", error: "bad split" });
  });

  it("spaces out progress writes but always writes the latest report", async () => {
    const handlers = new JobHandlerRegistry();
    const writes: number[] = [];
    const progress = queue.progress.bind(queue);
    queue.progress = async (id, worker, p, m) => {
      writes.push(p);
      return progress(id, worker, p, m);
    };
    handlers.register("REINDEX", async (_job, report) => {
      for (let i = 1; i <= 100; i++) void report(i / 200, `item ${i}`);
      return null;
    });
    try {
      const job = await enqueue();
      await new JobWorker(queue, logger, { handlers }).runOnce();
      expect(writes.length).toBeLessThanOrEqual(3);
      expect(writes.at(-1)).toBe(0.5);
      expect(await queue.get(job.id)).toMatchObject({ status: "SUCCEEDED", progress: 1, message: "item 100" });
    } finally {
      queue.progress = progress;
    }
  });

  it("heartbeats while a handler runs, and cancels it on stop", async () => {
    const handlers = new JobHandlerRegistry();
    let started!: () => void;
    const running = new Promise<void>((r) => {
      started = r;
    });
    handlers.register("REINDEX", (_job, _progress, signal) => {
      started();
      return new Promise((_, reject) => {
        signal.addEventListener("abort", () => setTimeout(() => reject(new Error("aborted")), 150));
      });
    });
    const worker = new JobWorker(queue, logger, { handlers, pollIntervalMs: 20, heartbeatIntervalMs: 30 });
    const job = await enqueue();
    worker.start();
    await running;
    const firstBeat = (await queue.get(job.id))!.heartbeatAt!.getTime();
    await new Promise((r) => setTimeout(r, 100));
    expect((await queue.get(job.id))!.heartbeatAt!.getTime()).toBeGreaterThan(firstBeat);
    await worker.stop();
    expect(await queue.get(job.id)).toMatchObject({ status: "CANCELLED", error: "aborted" });
  });
});
