// Percentiles and throughput from measured durations. Benchmarks report; they never pass or fail.

export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export function percentile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/** The median of unsorted durations (the mean of the two middle ones for an even count). */
export function median(xs: readonly number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

export function summarize(durationsMs: readonly number[]): LatencySummary {
  const s = [...durationsMs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    n: s.length,
    p50: r(percentile(s, 0.5)),
    p95: r(percentile(s, 0.95)),
    p99: r(percentile(s, 0.99)),
    mean: r(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)),
  };
}

/** Times `fn` `n` times after `warmup` untimed runs; returns milliseconds per run. */
export async function time(n: number, fn: (i: number) => Promise<unknown>, warmup = 2): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

/** Runs `total` calls with `concurrency` in flight; latency per call, wall time, errors. */
export async function load(
  total: number,
  concurrency: number,
  fn: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number; errors: number; errorSamples: string[] }> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const s = performance.now();
        try {
          await fn(i);
          latencies.push(performance.now() - s);
        } catch (err) {
          errors++;
          if (errorSamples.length < 3) errorSamples.push((err as Error).message);
        }
      }
    }),
  );
  return { latencies, seconds: (performance.now() - t0) / 1000, errors, errorSamples };
}
