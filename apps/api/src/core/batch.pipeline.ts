// An ordered, bounded three-stage pipeline for bulk work (indexing): while batch k is in its `encode`
// stage (the ONNX worker thread), batch k+1 is fetched and prepared (file reads, decode, preprocessing
// on this thread and libuv's) and batch k-1 is written. Sequentially the two cores of a small machine
// take turns; overlapped, each stage runs while the others wait on another thread or process.
//
// The guarantees are the sequential loop's:
// - writes run one at a time, in batch order, each only after the one before it has finished;
// - an error in any stage of batch k is thrown after every write of batches before k has completed,
//   and no batch from k on is written (an interrupted run resumes where it stopped);
// - `signal` is checked before each batch is fetched and before each write, so once it is aborted
//   nothing more is written;
// - at most three batches are in flight (one being fetched/prepared, one encoding, one writing), and
//   nothing is left running when `runBatchPipeline` returns or throws.

import { type Settled, settle, unwrap } from "./settled.js";

export interface BatchPipelineStages<B, P, E> {
  /** The next batch, or null when there is none. Called one at a time, in order, never ahead of `prepare`. */
  next(): Promise<B | null>;
  /** CPU work on this side (reads, decode, preprocessing) for one batch. */
  prepare(batch: B): Promise<P>;
  /** The batch's encode (ONNX, on its worker thread). Runs one batch at a time, in order. */
  encode(prepared: P, batch: B): Promise<E>;
  /** Stores one batch's results. Runs one batch at a time, in order. */
  write(batch: B, encoded: E): Promise<void>;
}

/** Runs every batch through prepare → encode → write, overlapping neighbouring batches; returns the number of batches written. */
export async function runBatchPipeline<B, P, E>(stages: BatchPipelineStages<B, P, E>, signal?: AbortSignal): Promise<number> {
  const fetchAndPrepare = () =>
    settle(async () => {
      signal?.throwIfAborted();
      const batch = await stages.next();
      return batch === null ? null : { batch, prepared: await stages.prepare(batch) };
    });

  let ahead = fetchAndPrepare();
  let writing: Promise<Settled<void>> = Promise.resolve({ ok: true, value: undefined });
  let written = 0;
  try {
    for (;;) {
      const next = await ahead;
      if (!next.ok) {
        // Batches before this one finish writing first, exactly as they would have sequentially.
        unwrap(await writing);
        throw next.error;
      }
      const item = next.value;
      if (item === null) break;
      // Start on the next batch while this one encodes.
      ahead = fetchAndPrepare();
      const encoded = await settle(() => stages.encode(item.prepared, item.batch));
      unwrap(await writing);
      const result = unwrap(encoded);
      signal?.throwIfAborted();
      writing = settle(() => stages.write(item.batch, result));
      written++;
    }
    unwrap(await writing);
    return written;
  } finally {
    // Whatever ended the loop, nothing started here keeps running (or touches the database) afterwards.
    await ahead;
    await writing;
  }
}
