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
