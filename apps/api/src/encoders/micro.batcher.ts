// Coalesces concurrent single-item calls into batched calls. One ONNX run over N inputs costs far less
// than N runs, and under load requests arrive together anyway; the small wait (maxWaitMs) trades a few
// milliseconds of latency for that throughput. The queue is bounded so overload shows up as fast
// OVERLOADED errors the edge can turn into 503s, not as unbounded memory and latency growth.
import { MedcapError } from "../core/errors.js";

export interface BatchObservation {
  size: number;
  /** Wall time of the batch function. */
  durationMs: number;
  /** How long the oldest item of the batch waited before the batch started. */
  queuedMs: number;
  error?: unknown;
}

export interface MicroBatcherOptions<I, O> {
  /** Runs one batch; must return exactly one output per input, in order. */
  run: (items: I[]) => Promise<O[]>;
  maxSize: number;
  maxWaitMs: number;
  /** Items waiting to be dispatched (in-flight batches not counted) before submit() rejects. */
  maxQueue: number;
  /** Batches allowed to run at once; 1 suits a single ONNX session on few cores. */
  concurrency?: number;
  /** Named in errors so an OVERLOADED says which queue was full. */
  name?: string;
  onBatch?: (observation: BatchObservation) => void;
}

interface Pending<I, O> {
  item: I;
  enqueuedAt: number;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

export class MicroBatcher<I, O> {
  private readonly pending: Pending<I, O>[] = [];
  private readonly inFlightBatches = new Set<Promise<void>>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private due = false;
  private closed = false;
  private readonly concurrency: number;
  private readonly name: string;

  constructor(private readonly options: MicroBatcherOptions<I, O>) {
    if (!(options.maxSize >= 1)) throw new RangeError("maxSize must be at least 1");
    if (!(options.maxQueue >= 1)) throw new RangeError("maxQueue must be at least 1");
    if (!(options.maxWaitMs >= 0)) throw new RangeError("maxWaitMs must be >= 0");
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.name = options.name ?? "batch";
  }

  /** Items waiting for a batch (not yet handed to `run`). */
  get queueDepth(): number {
    return this.pending.length;
  }

  get inFlight(): number {
    return this.inFlightBatches.size;
  }

  submit(item: I): Promise<O> {
    if (this.closed) return Promise.reject(new MedcapError("OVERLOADED", `${this.name} queue is shut down`));
    if (this.pending.length >= this.options.maxQueue) {
      return Promise.reject(
        new MedcapError("OVERLOADED", `${this.name} queue is full (${this.options.maxQueue} waiting); retry later`, {
          queue: this.name,
          maxQueue: this.options.maxQueue,
        }),
      );
    }
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, enqueuedAt: performance.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Stops accepting work, runs what is queued, and resolves once every batch has settled. */
  async close(): Promise<void> {
    this.closed = true;
    this.due = true;
    this.clearTimer();
    this.schedule();
    while (this.inFlightBatches.size > 0 || this.pending.length > 0) {
      await Promise.allSettled([...this.inFlightBatches]);
      this.schedule();
    }
    this.clearTimer();
  }

  private schedule(): void {
    while (this.pending.length > 0 && this.inFlightBatches.size < this.concurrency) {
      if (!(this.due || this.pending.length >= this.options.maxSize)) break;
      this.dispatch();
    }
    if (this.pending.length === 0) {
      this.due = false;
      this.clearTimer();
    } else if (!this.due && this.timer === null) {
      const oldest = this.pending[0]!.enqueuedAt;
      const wait = Math.max(0, oldest + this.options.maxWaitMs - performance.now());
      this.timer = setTimeout(() => {
        this.timer = null;
        this.due = true;
        this.schedule();
      }, wait);
    }
  }

  private dispatch(): void {
    const batch = this.pending.splice(0, this.options.maxSize);
    // Whatever stays behind waited as long as this batch's tail; it goes next without a new wait.
    if (this.pending.length === 0) this.due = false;
    const startedAt = performance.now();
    const queuedMs = startedAt - batch[0]!.enqueuedAt;
    const task = this.runBatch(batch, startedAt, queuedMs);
    this.inFlightBatches.add(task);
    void task.finally(() => {
      this.inFlightBatches.delete(task);
      this.schedule();
    });
  }

  private async runBatch(batch: Pending<I, O>[], startedAt: number, queuedMs: number): Promise<void> {
    let error: unknown;
    try {
      const outputs = await this.options.run(batch.map((p) => p.item));
      if (!Array.isArray(outputs) || outputs.length !== batch.length) {
        throw new MedcapError(
          "INTERNAL_SERVER_ERROR",
          `${this.name}: batch function returned ${outputs?.length} outputs for ${batch.length} inputs`,
        );
      }
      for (const [i, p] of batch.entries()) p.resolve(outputs[i] as O);
    } catch (err) {
      error = err;
      for (const p of batch) p.reject(err);
    }
    try {
      this.options.onBatch?.({
        size: batch.length,
        durationMs: performance.now() - startedAt,
        queuedMs,
        ...(error === undefined ? {} : { error }),
      });
    } catch {
      // A metrics hook must never fail callers whose results are already settled.
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
