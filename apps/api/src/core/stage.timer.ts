// Per-request stage timings for `medcap bench`: HTTP + body parse, auth, GraphQL parse/validate, the
// rest of Apollo's work (context, complexity check, plugins), reading the image input (upload stream
// or base64), image decode, preprocessing (resize/normalise, tokenising), the wait in the encoder's
// micro-batch queue, the ONNX run, vector search, caption rows, the caption strategy, consensus
// re-ranking, hydration, the resolvers' own remainder and serialisation. Off unless the server is
// given a sink: then each request carries a StageTimes in AsyncLocalStorage and the instrumented
// code adds to it; without a sink `timed` is one AsyncLocalStorage lookup and a direct call.
import { AsyncLocalStorage } from "node:async_hooks";

export const STAGES = [
  "httpAndBodyParse",
  "auth",
  "graphqlParseValidate",
  "graphqlOther",
  "inputRead",
  "decode",
  "preprocess",
  "queueWait",
  "onnx",
  "vectorSearch",
  "captionRows",
  "captionStrategy",
  "consensus",
  "hydrate",
  "resolverOther",
  "serialise",
] as const;
export type Stage = (typeof STAGES)[number];

/** Stages measured inside resolvers (those between `inputRead` and `resolverOther` in STAGES); `resolverOther` is execution time minus these. */
export const RESOLVER_STAGES: readonly Stage[] = STAGES.slice(STAGES.indexOf("inputRead"), STAGES.indexOf("resolverOther"));

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

/** As `timed`, for synchronous work. */
export function timedSync<T>(stage: Stage, fn: () => T): T {
  const times = current.getStore();
  if (!times) return fn();
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    addStage(times, stage, performance.now() - t0);
  }
}
