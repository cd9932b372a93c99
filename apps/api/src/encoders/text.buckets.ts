// Length buckets for text batches: which rows of a batch run together through the text graph.
//
// A batch is padded to its longest row, so one long caption makes every short one pay for its length.
// Each text's embedding is independent of its batch-mates and their padding (the committed graphs are
// batch-invariant, checked by encoder.service.spec.ts), so a batch may be split into sub-batches of
// similar lengths without changing any embedding; the only price is one more ONNX run per sub-batch.
//
// The planner sorts the rows by length and splits that order into contiguous groups by exact dynamic
// programming over an estimated cost (for a cost that grows with the padded length, some optimal
// partition is contiguous in sorted order: swapping a short row of a long group with a long row of a
// short group never raises either group's padded length).

/**
 * Estimated cost of one ONNX run, in token-equivalents: a group of n rows padded to L tokens costs
 * `perRun + n·L·(1 + attention·L/128)`. The n·L term is the MatMul work, the L² term the attention
 * scores and softmax. Fitted (least squares on median times) on the then-served nbits8 text graph of medcap-base-v2,
 * CPU provider, default threads, 2 shared cores, n ∈ {1,4,16,32} × L ∈ {8…128}, two runs:
 * 1.84 / 2.27 ms + 0.263 / 0.235 ms·nL + 0.00028 / 0.00035 ms·nL², i.e. perRun 7.0 / 9.7 and
 * attention 0.135 / 0.188; rounded to 8 and 0.15. Throughput is flat near them: on 32-caption MedPix
 * dev batches (maxRows 16, interleaved, two runs) perRun 0, 8 and 32 gave 87–92 / 68–71 texts/s, 128 gave
 * 68 / 57, no buckets 34 / 26. On a GPU a run's fixed cost weighs more (unmeasured); MEDCAP_TEXT_BUCKETS=0
 * turns the planner off.
 */
export interface TextBucketCost {
  /** Fixed cost of one more run (worker round trip, ORT dispatch), in token-equivalents. */
  perRun: number;
  /** Weight of the quadratic attention term relative to the linear term at L = 128. */
  attention: number;
}

export const DEFAULT_TEXT_BUCKET_COST: Readonly<TextBucketCost> = { perRun: 8, attention: 0.15 };

/** Estimated cost of running `n` rows padded to `length` tokens in one run. */
export function bucketCost(n: number, length: number, cost: Readonly<TextBucketCost> = DEFAULT_TEXT_BUCKET_COST): number {
  return cost.perRun + n * length * (1 + (cost.attention * length) / 128);
}

/** Estimated cost of a plan: each group padded to its own longest row. */
export function planCost(lengths: readonly number[], groups: readonly (readonly number[])[], cost = DEFAULT_TEXT_BUCKET_COST): number {
  return groups.reduce((sum, g) => sum + bucketCost(g.length, Math.max(...g.map((i) => lengths[i] ?? 0)), cost), 0);
}

/** Rows in the caller's order, `maxRows` at a time: the plan without bucketing. */
export function inOrderChunks(n: number, maxRows: number): number[][] {
  const groups: number[][] = [];
  for (let start = 0; start < n; start += maxRows) {
    groups.push(Array.from({ length: Math.min(maxRows, n - start) }, (_, k) => start + k));
  }
  return groups;
}

/**
 * Sub-batches (row indices) of a batch whose rows have the given token lengths, none larger than
 * `maxRows`, minimising the summed `bucketCost`. Each index appears exactly once. When one group is
 * best it is the caller's order unchanged, so the batch runs exactly as it would unplanned; otherwise
 * groups run shortest first, each listing its rows in the caller's order. O(n·min(n, maxRows)).
 */
export function planTextBuckets(lengths: readonly number[], maxRows: number, cost = DEFAULT_TEXT_BUCKET_COST): number[][] {
  const n = lengths.length;
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new RangeError(`maxRows must be a positive integer, got ${maxRows}`);
  if (n <= 1) return n === 0 ? [] : [[0]];
  // Stable: equal lengths keep the caller's order.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
  const sorted = order.map((i) => lengths[i] as number);
  // best[j]: cheapest plan of the j shortest rows; start[j]: where its last group starts.
  const best = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
  const start = new Int32Array(n + 1);
  best[0] = 0;
  for (let j = 1; j <= n; j++) {
    const padded = sorted[j - 1] as number;
    // Longest group first, and only a strictly cheaper shorter one replaces it: ties keep fewer runs.
    for (let i = Math.max(0, j - maxRows); i < j; i++) {
      const c = (best[i] as number) + bucketCost(j - i, padded, cost);
      if (c < (best[j] as number)) {
        best[j] = c;
        start[j] = i;
      }
    }
  }
  const groups: number[][] = [];
  for (let j = n; j > 0; j = start[j] as number) groups.push(order.slice(start[j], j).sort((a, b) => a - b));
  return groups.reverse();
}

/**
 * Runs `items` group by group, one group after another (one ONNX session runs one call at a time
 * anyway), and returns the results in the items' order. A single group covering every item in order is
 * passed through as is.
 */
export async function runInGroups<T, R>(
  items: readonly T[],
  groups: readonly (readonly number[])[],
  run: (group: T[]) => Promise<R[]>,
): Promise<R[]> {
  const only = groups.length === 1 ? groups[0] : undefined;
  if (only && only.length === items.length && only.every((index, k) => index === k)) return run([...items]);
  const out = new Array<R>(items.length);
  for (const group of groups) {
    const results = await run(group.map((i) => items[i] as T));
    if (results.length !== group.length) throw new RangeError(`a group of ${group.length} items gave ${results.length} results`);
    group.forEach((index, k) => {
      out[index] = results[k] as R;
    });
  }
  for (let i = 0; i < items.length; i++) if (!(i in out)) throw new RangeError(`no group holds item ${i}`);
  return out;
}
