// Per-request stage timings (HTTP + body parse, auth, GraphQL parse/validate, the rest of Apollo's
// work — context, complexity check, plugins —, decode/preprocess, encode, vector search, hydrate,
// serialise) for `medcap bench`. Off unless the server is given a
// sink: then each request carries a StageTimes in AsyncLocalStorage and the instrumented code adds
// to it; without a sink `timed` is one AsyncLocalStorage lookup and a direct call.
import { AsyncLocalStorage } from "node:async_hooks";

export const STAGES = [
  "httpAndBodyParse",
  "auth",
  "graphqlParseValidate",
  "graphqlOther",
  "decodePreprocess",
  "encode",
  "vectorSearch",
  "hydrate",
  "resolverOther",
  "serialise",
] as const;
export type Stage = (typeof STAGES)[number];

export interface StageTimes {
  operation: string | undefined;
  /** Milliseconds per stage; overlapping work inside one request (parallel loaders) is summed. */
  ms: Partial<Record<Stage, number>>;
  totalMs: number;
  /** Marks set by the GraphQL plugin, turned into stages when the response has been sent. */
  executionMs?: number;
  sentAt?: number;
}

export type StageSink = (times: StageTimes) => void;

const current = new AsyncLocalStorage<StageTimes>();

export function newStageTimes(): StageTimes {
  return { operation: undefined, ms: {}, totalMs: 0 };
}

/** Runs `fn` with `times` as the current request's timings (for everything it awaits). */
export function withStageTimes<T>(times: StageTimes, fn: () => T): T {
  return current.run(times, fn);
}

/** The current request's timings, when timings are on. */
export function currentStageTimes(): StageTimes | undefined {
  return current.getStore();
}

export function addStage(times: StageTimes | undefined, stage: Stage, ms: number): void {
  if (times) times.ms[stage] = (times.ms[stage] ?? 0) + ms;
}

/** Adds the duration of `fn` to `stage` of the current request, when timings are on. */
export async function timed<T>(stage: Stage, fn: () => Promise<T>): Promise<T> {
  const times = current.getStore();
  if (!times) return fn();
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    addStage(times, stage, performance.now() - t0);
  }
}
