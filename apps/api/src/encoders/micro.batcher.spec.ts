import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MedcapError } from "../core/errors.js";
import { type BatchObservation, MicroBatcher } from "./micro.batcher.js";

const doubler = (calls: number[][]) => async (items: number[]) => {
  calls.push([...items]);
  return items.map((i) => i * 2);
};

describe("MicroBatcher", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("coalesces concurrent submits into one batch after maxWaitMs", async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher({ run: doubler(calls), maxSize: 16, maxWaitMs: 5, maxQueue: 100 });
    const results = Promise.all([1, 2, 3, 4, 5].map((i) => b.submit(i)));
    expect(b.queueDepth).toBe(5);
    await vi.advanceTimersByTimeAsync(4);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await results).toEqual([2, 4, 6, 8, 10]);
    expect(calls).toEqual([[1, 2, 3, 4, 5]]);
    await b.close();
  });

  it("starts a lone item at once when nothing else is on its way, and coalesces while more are", async () => {
    const calls: number[][] = [];
    let onTheirWay = 0;
    const dispatched: number[] = [];
    const b = new MicroBatcher({ run: doubler(calls), maxSize: 16, maxWaitMs: 5, maxQueue: 100, expectMore: () => onTheirWay > 0 });
    // Alone: no batching wait.
    const lone = b.submit(1, { onDispatch: () => dispatched.push(1) });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([[1]]);
    expect(dispatched).toEqual([1]);
    expect(await lone).toBe(2);
    // Three requests on their way: the first two wait for the third, which starts the batch on arrival.
    onTheirWay = 3;
    const first = [b.submit(10), b.submit(11)];
    onTheirWay = 1;
    await vi.advanceTimersByTimeAsync(2);
    expect(calls).toHaveLength(1);
    onTheirWay = 0;
    const last = b.submit(12);
    await vi.advanceTimersByTimeAsync(0);
    expect(await Promise.all([...first, last])).toEqual([20, 22, 24]);
    expect(calls).toEqual([[1], [10, 11, 12]]);
    // Several items submitted in one go (an explanation's variants) still share one batch.
    const burst = Promise.all([30, 31, 32].map((i) => b.submit(i)));
    await vi.advanceTimersByTimeAsync(0);
    expect(await burst).toEqual([60, 62, 64]);
    expect(calls.at(-1)).toEqual([30, 31, 32]);
    // Still bounded: an expected item that never comes costs at most maxWaitMs.
    onTheirWay = 1;
    const waiting = b.submit(20);
    await vi.advanceTimersByTimeAsync(4);
    expect(calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(await waiting).toBe(40);
    await b.close();
  });

  it("flushes a full batch at once and never exceeds maxSize", async () => {
    const calls: number[][] = [];
    const observed: BatchObservation[] = [];
    const b = new MicroBatcher({ run: doubler(calls), maxSize: 4, maxWaitMs: 1000, maxQueue: 100, onBatch: (o) => observed.push(o) });
    const results = Promise.all(Array.from({ length: 10 }, (_, i) => b.submit(i)));
    await vi.advanceTimersByTimeAsync(0);
    // Two full batches ran without waiting; the remaining 2 wait for the timer.
    expect(calls.map((c) => c.length)).toEqual([4, 4]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await results).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    expect(calls.map((c) => c.length)).toEqual([4, 4, 2]);
    expect(observed.map((o) => o.size)).toEqual([4, 4, 2]);
    expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(4);
    await b.close();
  });

  it("keeps coalescing while a batch is running (concurrency 1)", async () => {
    const calls: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new MicroBatcher<number, number>({
      run: async (items) => {
        calls.push(items);
        if (calls.length === 1) await gate;
        return items;
      },
      maxSize: 8,
      maxWaitMs: 2,
      maxQueue: 100,
    });
    const first = b.submit(0);
    await vi.advanceTimersByTimeAsync(2);
    const later = Promise.all([1, 2, 3].map((i) => b.submit(i)));
    await vi.advanceTimersByTimeAsync(10);
    expect(b.inFlight).toBe(1);
    expect(b.queueDepth).toBe(3);
    release();
    await first;
    expect(await later).toEqual([1, 2, 3]);
    expect(calls).toEqual([[0], [1, 2, 3]]);
    await b.close();
  });

  it("rejects with OVERLOADED when maxQueue items are waiting, without growing", async () => {
    const b = new MicroBatcher({ run: async (items: number[]) => items, maxSize: 100, maxWaitMs: 50, maxQueue: 3 });
    const accepted = [b.submit(1), b.submit(2), b.submit(3)];
    const err = await b.submit(4).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MedcapError);
    expect((err as MedcapError).code).toBe("OVERLOADED");
    expect(b.queueDepth).toBe(3);
    await vi.advanceTimersByTimeAsync(50);
    expect(await Promise.all(accepted)).toEqual([1, 2, 3]);
    // Capacity frees up once the batch is dispatched.
    const again = b.submit(5);
    await vi.advanceTimersByTimeAsync(50);
    expect(await again).toBe(5);
    await b.close();
  });

  it("rejects only the callers of the batch that failed", async () => {
    const b = new MicroBatcher<number, number>({
      run: async (items) => {
        if (items.includes(13)) throw new Error("bad batch");
        return items;
      },
      maxSize: 2,
      maxWaitMs: 1,
      maxQueue: 10,
    });
    const settled = Promise.allSettled([b.submit(1), b.submit(2), b.submit(13), b.submit(4), b.submit(5)]);
    await vi.advanceTimersByTimeAsync(5);
    const outcome = (await settled).map((s) => (s.status === "fulfilled" ? s.value : (s.reason as Error).message));
    expect(outcome).toEqual([1, 2, "bad batch", "bad batch", 5]);
    await b.close();
  });

  it("rejects a batch whose function returns the wrong number of outputs", async () => {
    const b = new MicroBatcher<number, number>({ run: async () => [1], maxSize: 4, maxWaitMs: 0, maxQueue: 10 });
    const settled = Promise.allSettled([b.submit(1), b.submit(2)]);
    await vi.advanceTimersByTimeAsync(1);
    expect((await settled).every((s) => s.status === "rejected")).toBe(true);
    await b.close();
  });

  it("close() runs queued work, refuses new work and leaves no timers behind", async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher({ run: doubler(calls), maxSize: 16, maxWaitMs: 10_000, maxQueue: 100 });
    const pending = Promise.all([b.submit(1), b.submit(2)]);
    expect(vi.getTimerCount()).toBe(1);
    await b.close();
    expect(await pending).toEqual([2, 4]);
    expect(vi.getTimerCount()).toBe(0);
    await expect(b.submit(3)).rejects.toMatchObject({ code: "OVERLOADED" });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("MicroBatcher under real concurrency", () => {
  it("coalesces many concurrent callers into few batches", async () => {
    const sizes: number[] = [];
    const b = new MicroBatcher<number, number>({
      run: async (items) => {
        await new Promise((r) => setTimeout(r, 5));
        return items.map((i) => i + 1);
      },
      maxSize: 8,
      maxWaitMs: 2,
      maxQueue: 1000,
      onBatch: (o) => sizes.push(o.size),
    });
    const out = await Promise.all(Array.from({ length: 64 }, (_, i) => b.submit(i)));
    expect(out).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    expect(sizes.reduce((s, n) => s + n, 0)).toBe(64);
    expect(sizes.length).toBe(8);
    await b.close();
  });
});

describe("MicroBatcher fairness, cancellation and load shedding", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("fills batches round-robin between keys, so a flooding key does not push others to the back", async () => {
    const calls: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new MicroBatcher<string, string>({
      run: async (items) => {
        calls.push(items);
        if (calls.length === 1) await gate;
        return items;
      },
      maxSize: 4,
      maxWaitMs: 1,
      maxQueue: 100,
    });
    const first = b.submit("gate", { key: "other" });
    await vi.advanceTimersByTimeAsync(1); // the first batch runs and holds the single slot
    const flood = Array.from({ length: 12 }, (_, i) => b.submit(`f${i}`, { key: "flood" }));
    const victim = b.submit("v0", { key: "victim" });
    release();
    await vi.advanceTimersByTimeAsync(10);
    await Promise.all([first, ...flood, victim]);
    // In one FIFO the victim's item would have run in the fourth batch, after all twelve flood items.
    // Three keys were active, so no key takes more than half an equal share, floor(4 / (2 × 3)) → 1 place,
    // of a batch: the victim's item runs in the very next batch, which stays short.
    expect(calls[1]).toEqual(["f0", "v0"]);
    expect(calls.slice(2).flat()).toEqual(Array.from({ length: 11 }, (_, i) => `f${i + 1}`));
    // The other keys still count as active for a few batch times, so the flood does not refill at once.
    expect(Math.max(...calls.slice(2).map((c) => c.length))).toBe(1);
    await b.close();
  });

  it("an aborted signal takes the item out of the queue unrun and rejects it with the reason", async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher({ run: doubler(calls), maxSize: 16, maxWaitMs: 5, maxQueue: 100 });
    const controller = new AbortController();
    const mine = [1, 2, 3].map((i) => b.submit(i, { key: "a", signal: controller.signal }).catch((e: unknown) => e));
    const theirs = b.submit(4, { key: "b" });
    controller.abort(new MedcapError("OVERLOADED", "client went away"));
    expect(b.queueDepth).toBe(1);
    await vi.advanceTimersByTimeAsync(5);
    expect(await theirs).toBe(8);
    for (const err of await Promise.all(mine)) expect(err).toMatchObject({ code: "OVERLOADED", message: "client went away" });
    expect(calls).toEqual([[4]]);
    await expect(b.submit(5, { signal: controller.signal })).rejects.toMatchObject({ code: "OVERLOADED" });
    await b.close();
  });

  it("refuses early, with a Retry-After hint, an item expected to wait longer than maxQueueWaitMs", async () => {
    const b = new MicroBatcher<number, number>({
      run: async (items) => {
        await new Promise((r) => setTimeout(r, 100)); // every batch takes 100 ms
        return items;
      },
      maxSize: 2,
      maxWaitMs: 0,
      maxQueue: 1000,
      maxQueueWaitMs: 250,
    });
    await Promise.all([b.submit(0, { key: "a" }), vi.advanceTimersByTimeAsync(100)]); // learns the batch time
    const accepted: Promise<number>[] = [];
    let refused: MedcapError | undefined;
    for (let i = 1; i < 100 && !refused; i++) {
      accepted.push(
        b.submit(i, { key: "a" }).catch((e: MedcapError) => {
          refused = e;
          return -1;
        }),
      );
      await Promise.resolve();
      await Promise.resolve();
    }
    expect(refused).toMatchObject({ code: "OVERLOADED", details: { retryAfterSeconds: 1 } });
    // Refused by the wait bound long before the 1000-item queue bound: about 250 ms of 2-item batches.
    expect(b.queueDepth).toBeLessThanOrEqual(6);
    // Primed with a start-up probe's time, a fresh batcher bounds the wait from its first burst on.
    const primed = new MicroBatcher<number, number>({
      run: async (x) => x,
      maxSize: 2,
      maxWaitMs: 1000,
      maxQueue: 1000,
      maxQueueWaitMs: 250,
    });
    primed.primeBatchTime(100);
    const burst = Array.from({ length: 20 }, (_, i) => primed.submit(i, { key: "a" }).catch((e: unknown) => e));
    expect(primed.queueDepth).toBeLessThanOrEqual(6);
    await vi.advanceTimersByTimeAsync(1000);
    expect((await Promise.all(burst)).filter((x) => x instanceof MedcapError).length).toBeGreaterThan(10);
    await primed.close();
    // Another key still gets in: its item goes in the next batch, whatever key a has queued.
    expect(b.expectedWaitMs("b")).toBeLessThanOrEqual(250);
    await vi.advanceTimersByTimeAsync(2000);
    await Promise.allSettled(accepted);
    await b.close();
  });
});
