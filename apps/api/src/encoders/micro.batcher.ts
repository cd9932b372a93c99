// Coalesces concurrent single-item calls into batched calls. One ONNX run over N inputs costs far less
// than N runs, and under load requests arrive together anyway; the small wait (maxWaitMs) trades a few
// milliseconds of latency for that throughput. The queue is bounded so overload shows up as fast
// OVERLOADED errors the edge can turn into 503s, not as unbounded memory and latency growth.
//
// Fairness: items are queued per caller key (the API key) and batches are filled round-robin across
// keys, so one key's aliased flood cannot push everyone else to the back of a single FIFO. Load
// shedding: an item whose expected wait (its place in its key's queue × the recent batch time) exceeds
// maxQueueWaitMs is refused at once with a Retry-After hint, so what is accepted keeps a bounded
// latency. Cancellation: an item whose AbortSignal fires while queued leaves the queue unrun.
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
  /** Refuse an item expected to wait longer than this (ms) before its batch starts; undefined = no bound. */
  maxQueueWaitMs?: number;
  /** Batches allowed to run at once; 1 suits a single ONNX session on few cores. */
  concurrency?: number;
  /**
   * Whether more items are on their way (requests still decoding their images): when it says no, a
   * batch starts at once instead of waiting out maxWaitMs, so a lone request pays no batching wait.
   * Absent = always wait.
   */
  expectMore?: () => boolean;
  /** Named in errors so an OVERLOADED says which queue was full. */
  name?: string;
  onBatch?: (observation: BatchObservation) => void;
}

export interface SubmitOptions {
  /** Whose item this is (an API key); items are dispatched round-robin between keys. */
  key?: string;
  /** Aborting removes the item from the queue (if not yet dispatched) and rejects it with the reason. */
  signal?: AbortSignal;
  /** Called when the item's batch starts (stage timings split queue wait from the run). */
  onDispatch?: () => void;
}

interface Pending<I, O> {
  item: I;
  key: string;
  enqueuedAt: number;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
  detach?: () => void;
  onDispatch?: () => void;
}

const ANONYMOUS = "";
/** Weight of the newest batch in the moving average of batch durations. */
const EWMA_ALPHA = 0.2;

export class MicroBatcher<I, O> {
  /** Per-key FIFO queues; Map order is the round-robin order (a served key moves to the back). */
  private readonly queues = new Map<string, Pending<I, O>[]>();
  private pendingCount = 0;
  /** Moving average of batch wall time (ms); undefined until a batch has run. */
  private batchMs: number | undefined;
  /** When each key last submitted: keys active recently share every batch, even when not queued at that instant. */
  private readonly lastSeen = new Map<string, number>();
  private readonly inFlightBatches = new Set<Promise<void>>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private due = false;
  /** A microtask will mark the queue due (expectMore said nothing else is coming). */
  private startSoon = false;
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
    return this.pendingCount;
  }

  /** Seeds the batch-time estimate (e.g. from a start-up probe) so the wait bound holds from the first burst on. */
  primeBatchTime(ms: number): void {
    if (this.batchMs === undefined && Number.isFinite(ms) && ms > 0) this.batchMs = ms;
  }

  /** Expected wait (ms) before an item submitted now by `key` starts running; 0 before any batch ran. */
  expectedWaitMs(key: string = ANONYMOUS): number {
    if (this.batchMs === undefined) return 0;
    const own = this.queues.get(key)?.length ?? 0;
    const keys = this.queues.size + (this.queues.has(key) ? 0 : 1);
    const share = this.shareFor(keys);
    // A running batch is on average half done.
    const batchesAhead = Math.floor(own / share) + (this.inFlightBatches.size >= this.concurrency ? 0.5 : 0);
    return (batchesAhead * this.batchMs) / this.concurrency;
  }

  get inFlight(): number {
    return this.inFlightBatches.size;
  }

  submit(item: I, options: SubmitOptions = {}): Promise<O> {
    if (this.closed) return Promise.reject(new MedcapError("OVERLOADED", `${this.name} queue is shut down`));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(cancelled(signal, this.name));
    const key = options.key ?? ANONYMOUS;
    if (this.pendingCount >= this.options.maxQueue) {
      return Promise.reject(
        new MedcapError("OVERLOADED", `${this.name} queue is full (${this.options.maxQueue} waiting); retry later`, {
          queue: this.name,
          maxQueue: this.options.maxQueue,
          retryAfterSeconds: Math.max(1, Math.ceil(this.expectedWaitMs(key) / 1000)),
        }),
      );
    }
    const bound = this.options.maxQueueWaitMs;
    if (bound !== undefined) {
      const expected = this.expectedWaitMs(key);
      if (expected > bound) {
        return Promise.reject(
          new MedcapError(
            "OVERLOADED",
            `${this.name} is busy: this request would wait about ${Math.round(expected)} ms, over the ${bound} ms bound; retry later`,
            { queue: this.name, expectedWaitMs: Math.round(expected), retryAfterSeconds: Math.max(1, Math.ceil(expected / 1000)) },
          ),
        );
      }
    }
    return new Promise<O>((resolve, reject) => {
      const pending: Pending<I, O> = { item, key, enqueuedAt: performance.now(), resolve, reject, onDispatch: options.onDispatch };
      if (signal) {
        const onAbort = () => {
          if (this.remove(pending)) reject(cancelled(signal, this.name));
        };
        signal.addEventListener("abort", onAbort, { once: true });
        pending.detach = () => signal.removeEventListener("abort", onAbort);
      }
      this.lastSeen.set(key, performance.now());
      let queue = this.queues.get(key);
      if (!queue) {
        queue = [];
        this.queues.set(key, queue);
      }
      queue.push(pending);
      this.pendingCount++;
      this.schedule();
    });
  }

  /** Takes a still-queued item out; false when it was already dispatched. */
  private remove(pending: Pending<I, O>): boolean {
    const queue = this.queues.get(pending.key);
    const at = queue?.indexOf(pending) ?? -1;
    if (!queue || at < 0) return false;
    queue.splice(at, 1);
    if (queue.length === 0) this.queues.delete(pending.key);
    this.pendingCount--;
    pending.detach?.();
    this.schedule();
    return true;
  }

  /**
   * Keys that submitted within the last few batch times. A request spends most of its life outside
   * the queue (auth, parsing, hydration), so "queued right now" undercounts who is competing; and an
   * ONNX run blocks the event loop, so a batch filled by one key delays everyone else's requests too.
   */
  private activeKeys(now: number): number {
    const window = Math.max(250, 4 * (this.batchMs ?? 0));
    let n = 0;
    for (const [key, at] of this.lastSeen) {
      if (now - at <= window || this.queues.has(key)) n++;
      else this.lastSeen.delete(key);
    }
    return Math.max(1, n);
  }

  /**
   * Places one key may take in a batch. Alone, a key fills it. When several keys compete, each gets at
   * most half of an equal share (at least one place): a light client's latency is the batch it waits
   * behind plus its own, and both grow with every place a heavy key adds, so batches stay short while
   * anyone else is waiting (measured: an aliased flood beside four light clients cut their throughput
   * to 0.5–0.7× of solo with an equal share, about 1.0× with this one).
   */
  private shareFor(keys: number): number {
    return keys <= 1 ? this.options.maxSize : Math.max(1, Math.floor(this.options.maxSize / (2 * keys)));
  }

  /** Up to maxSize items, one per key per turn, keys in round-robin order, each key at most its share of the batch. */
  private takeBatch(): Pending<I, O>[] {
    const batch: Pending<I, O>[] = [];
    const share = this.shareFor(this.activeKeys(performance.now()));
    const taken = new Map<string, number>();
    while (batch.length < this.options.maxSize && this.pendingCount > 0) {
      let progressed = false;
      for (const [key, queue] of this.queues) {
        if (batch.length >= this.options.maxSize) break;
        if ((taken.get(key) ?? 0) >= share) continue;
        taken.set(key, (taken.get(key) ?? 0) + 1);
        progressed = true;
        const next = queue.shift()!;
        next.detach?.();
        batch.push(next);
        this.pendingCount--;
        // Served: to the back of the ring (or out of it when empty).
        this.queues.delete(key);
        if (queue.length > 0) this.queues.set(key, queue);
      }
      if (!progressed) break;
    }
    return batch;
  }

  private oldestEnqueuedAt(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const queue of this.queues.values()) oldest = Math.min(oldest, queue[0]?.enqueuedAt ?? oldest);
    return oldest;
  }

  /** Stops accepting work, runs what is queued, and resolves once every batch has settled. */
  async close(): Promise<void> {
    this.closed = true;
    this.due = true;
    this.clearTimer();
    this.schedule();
    while (this.inFlightBatches.size > 0 || this.pendingCount > 0) {
      await Promise.allSettled([...this.inFlightBatches]);
      this.schedule();
    }
    this.clearTimer();
  }

  private schedule(): void {
    if (!this.due && !this.startSoon && this.pendingCount > 0 && this.options.expectMore && !this.options.expectMore()) {
      // After the current synchronous code, not inside this submit: a caller that submits several
      // items in one go (an explanation's occluded variants) still gets them into one batch.
      this.startSoon = true;
      queueMicrotask(() => {
        this.startSoon = false;
        if (this.pendingCount > 0) {
          this.due = true;
          this.schedule();
        }
      });
    }
    while (this.pendingCount > 0 && this.inFlightBatches.size < this.concurrency) {
      if (!(this.due || this.pendingCount >= this.options.maxSize)) break;
      this.dispatch();
    }
    if (this.pendingCount === 0) {
      this.due = false;
      this.clearTimer();
    } else if (!this.due && this.timer === null) {
      const oldest = this.oldestEnqueuedAt();
      const wait = Math.max(0, oldest + this.options.maxWaitMs - performance.now());
      this.timer = setTimeout(() => {
        this.timer = null;
        this.due = true;
        this.schedule();
      }, wait);
    }
  }

  private dispatch(): void {
    const batch = this.takeBatch();
    // Whatever stays behind waited as long as this batch's tail; it goes next without a new wait.
    if (this.pendingCount === 0) this.due = false;
    const startedAt = performance.now();
    const queuedMs = startedAt - Math.min(...batch.map((p) => p.enqueuedAt));
    const task = this.runBatch(batch, startedAt, queuedMs);
    this.inFlightBatches.add(task);
    void task.finally(() => {
      this.inFlightBatches.delete(task);
      this.schedule();
    });
  }

  private async runBatch(batch: Pending<I, O>[], startedAt: number, queuedMs: number): Promise<void> {
    let error: unknown;
    for (const p of batch) p.onDispatch?.();
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
    const durationMs = performance.now() - startedAt;
    this.batchMs = this.batchMs === undefined ? durationMs : this.batchMs + EWMA_ALPHA * (durationMs - this.batchMs);
    try {
      this.options.onBatch?.({
        size: batch.length,
        durationMs,
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

function cancelled(signal: AbortSignal, name: string): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof MedcapError) return reason;
  return new MedcapError("OVERLOADED", `${name}: the request was cancelled before its turn`, { queue: name });
}
