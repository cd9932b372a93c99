// Environment parsed and validated once at start-up; nothing else reads process.env.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** The repository root (three levels above this file), used for defaults that point into the repo. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

/** The public MedPix 2.0 repository archive, fetched on a first start without a local copy. */
const MEDPIX_ARCHIVE_URL = "https://codeload.github.com/CHILab1/MedPix-2.0/tar.gz/refs/heads/main";

const csv = (def: string) =>
  z
    .string()
    .default(def)
    .transform((s) =>
      s
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean),
    );
const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .default(def ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");

const schema = z.object({
  MEDCAP_DATA_DIR: z.string().default(".medcap"),
  DATABASE_URL: z.string().url().optional(),
  MEDCAP_PG_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  MEDCAP_PG_SYSTEM_DIR: z.string().default("/var/lib/medcap"),
  MEDPIX_DIR: z.string().optional(),
  MEDCAP_MEDPIX_DOWNLOAD_URL: z.string().default(MEDPIX_ARCHIVE_URL),
  MEDCAP_MODEL_DIR: z.string().default(path.join(repoRoot, "models", "medcap-base-v3")),
  MEDCAP_MODELS_DIR: z.string().optional(),
  MEDCAP_MODEL_POLL_MS: z.coerce.number().int().min(0).max(3_600_000).default(5000),
  MEDCAP_PROVIDERS: csv("cpu"),
  MEDCAP_GPU_DIR: z.string().optional(),
  MEDCAP_ONNX_THREADS: z.coerce.number().int().min(0).max(256).default(0),
  MEDCAP_TEXT_ONNX_THREADS: z.coerce.number().int().min(0).max(256).default(1),
  MEDCAP_BATCH_MAX: z.coerce.number().int().min(1).max(1024).default(16),
  MEDCAP_BATCH_WAIT_MS: z.coerce.number().min(0).max(1000).default(4),
  MEDCAP_QUEUE_MAX: z.coerce.number().int().min(1).max(100_000).default(256),
  MEDCAP_MAX_QUEUE_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(2000),
  MEDCAP_MAX_ENCODES_PER_REQUEST: z.coerce.number().int().min(1).max(10_000).default(16),
  MEDCAP_JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  MEDCAP_METRICS_TOKEN: z.string().min(16, "use at least 16 characters").optional(),
  MEDCAP_VECTOR_STORE: z.enum(["embedded", "qdrant"]).default("embedded"),
  MEDCAP_TEXT_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(4096),
  MEDCAP_TEXT_BUCKETS: bool(true),
  MEDCAP_EXPLAIN_CACHE_SIZE: z.coerce.number().int().min(0).max(100_000).default(256),
  MEDCAP_API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  // One URL, or several peers of one Qdrant cluster separated by commas (tried in order; see qdrant.store.ts).
  QDRANT_URL: z
    .string()
    .optional()
    .transform((v) =>
      v
        ?.split(",")
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .refine(
      (urls) => !urls || (urls.length > 0 && urls.every((u) => z.string().url().safeParse(u).success)),
      "one URL or several separated by commas",
    ),
  QDRANT_API_KEY: z.string().optional(),
  MEDCAP_QDRANT_EXACT_MAX_POINTS: z.coerce.number().int().min(0).default(20_000),
  // Collection layout for new collections (existing ones keep theirs). Unset: 1 shard, 1 copy, one
  // peer must apply a write; with several QDRANT_URL peers the cluster defaults below apply instead.
  MEDCAP_QDRANT_SHARDS: z.coerce.number().int().min(1).max(1000).optional(),
  MEDCAP_QDRANT_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(100).optional(),
  MEDCAP_QDRANT_WRITE_CONSISTENCY: z.coerce.number().int().min(1).max(100).optional(),
  // With several peers: how often (ms) a replica that moved off the first peer checks whether it is back (0: never).
  MEDCAP_QDRANT_FAILBACK_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  MEDCAP_QDRANT_READ_CONSISTENCY: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || ["majority", "quorum", "all"].includes(v) || /^[1-9]\d*$/.test(v),
      "a number of replicas, majority, quorum or all",
    ),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  MEDCAP_HOST: z.string().default("127.0.0.1"),
  // Unset: X-Forwarded-For is ignored (the rate limiter keys anonymous callers by the socket address).
  MEDCAP_TRUST_PROXY: z.string().optional(),
  MEDCAP_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(20 * 1024 * 1024),
  MEDCAP_MAX_PIXELS: z.coerce.number().int().min(1).default(40_000_000),
  MEDCAP_MAX_K: z.coerce.number().int().min(1).max(1000).default(100),
  MEDCAP_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(0).default(600),
  MEDCAP_INTROSPECTION: bool(false),
  MEDCAP_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  MEDCAP_AUTO_IMPORT: bool(false),
  // Captioning knobs: unset = the served model's manifest `captioning` block (the CV winner); a model
  // without one (v1) ranks by text cosine with consensus 10:0.3.
  MEDCAP_CAPTION_STRATEGY: z.enum(["text", "images", "fused"]).optional(),
  MEDCAP_CAPTION_NEIGHBOURS: z.coerce.number().int().min(1).max(1000).optional(),
  MEDCAP_CAPTION_TEMPERATURE: z.coerce.number().finite().positive().optional(),
  MEDCAP_CAPTION_WEIGHT: z.coerce.number().min(0).max(1).optional(),
  MEDCAP_CAPTION_CONSENSUS: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "off" || /^\d+:(0(\.\d+)?|1(\.0+)?)$/.test(v), "m:w (e.g. 10:0.3) or off"),
  // The attribute prior (models with attribute heads): on = the model's cross-validated threshold/penalty.
  MEDCAP_ATTRIBUTE_PRIOR: bool(true),
});

export type RawEnv = z.input<typeof schema>;

export interface Config {
  dataDir: string;
  imagesDir: string;
  databaseUrl: string | undefined;
  embeddedPgPort: number;
  /** Root only: where PostgreSQL binaries/clusters go when the `postgres` user cannot reach the data folder. */
  pgSystemDir: string;
  medpixDir: string | undefined;
  /** Where MedPix 2.0 is downloaded from when no local copy is given; undefined = never download. */
  medpixDownloadUrl: string | undefined;
  modelDir: string;
  /** Where the folders of other model versions are looked up (activation); default: beside modelDir. */
  modelsDir: string;
  /** How often a server checks which version is active (picks up an activation by another process); 0 = never. */
  modelPollMs: number;
  providers: string[];
  /** `medcap gpu install`'s CUDA libraries live in <gpuDir>/cuda13/lib (MEDCAP_GPU_DIR, default <dataDir>/gpu). */
  gpuDir: string;
  onnxThreads: number;
  textOnnxThreads: number;
  /** maxQueueWaitMs: an encode whose expected wait in the queue is longer is refused early (OVERLOADED). */
  batch: { maxSize: number; maxWaitMs: number; maxQueue: number; maxQueueWaitMs: number };
  vectorStore: "embedded" | "qdrant";
  /**
   * exactMaxPoints: collections up to this size are searched exactly (brute force), larger ones by HNSW.
   * urls: every configured peer (one for a single server); url is the first. layout: how new
   * collections are sharded and replicated; readConsistency: how many replicas a search asks.
   */
  qdrant: {
    url: string | undefined;
    urls: string[];
    apiKey: string | undefined;
    exactMaxPoints: number;
    layout: QdrantLayout;
    readConsistency: QdrantReadConsistency;
    /** How often a store that moved off the first peer probes it to move back (0: never). */
    failbackMs: number;
  };
  http: {
    port: number;
    host: string;
    /**
     * Express's `trust proxy`: false (default) or the proxies whose X-Forwarded-For is believed (a hop
     * count, or addresses, subnets and presets such as `loopback`). Trusting loopback by default let any
     * local client mint a new rate-limit identity per request with a forged header.
     */
    trustProxy: false | number | string[];
  };
  limits: { maxUploadBytes: number; maxPixels: number; maxK: number; rateLimitPerMinute: number; maxEncodesPerRequest: number };
  /** A job whose worker died is re-queued until it has been started this many times. */
  jobs: { maxAttempts: number };
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** LRU entries of request text embeddings (0 = off). */
  textCacheSize: number;
  /** Text batches split into length buckets before the ONNX runs (off: one run per maxSize chunk). */
  textBuckets: boolean;
  /** LRU entries of finished match explanations (0 = off); one holds a ≤512-px overlay PNG and grid² cells. */
  explainCacheSize: number;
  /** How long the server trusts a resolved API key before asking Postgres again (0 = every request). */
  apiKeyCacheMs: number;
  introspection: boolean;
  logLevel: "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
  autoImport: boolean;
  /**
   * Deployment overrides of the served model's captioning defaults; a knob left undefined comes
   * from the manifest. consensus: top `candidates` vote with `weight`; null = off.
   */
  /** Whether captionImage / similarImages apply the served model's attribute prior by default (issue #24). */
  attributePrior: boolean;
  captioning: {
    strategy?: "text" | "images" | "fused";
    neighbours?: number;
    temperature?: number;
    weight?: number;
    consensus?: { candidates: number; weight: number } | null;
  };
}

export type QdrantReadConsistency = number | "majority" | "quorum" | "all";

export interface QdrantLayout {
  shards: number;
  replicationFactor: number;
  writeConsistency: number;
}

/**
 * Defaults by deployment shape. One server: nothing to replicate. A cluster (several peers in
 * QDRANT_URL): a shard per peer (at most 3 for the default; set MEDCAP_QDRANT_SHARDS for more), two
 * copies of every shard so one peer can be lost, and a write acknowledged once one copy applied it,
 * so losing a peer never blocks writes (the other copy is brought up to date by Qdrant when the
 * peer returns, and Postgres stays the source of truth either way).
 */
export function qdrantLayout(peers: number, set: Partial<QdrantLayout>): QdrantLayout {
  const cluster = peers > 1;
  const layout = {
    shards: set.shards ?? (cluster ? Math.min(peers, 3) : 1),
    replicationFactor: set.replicationFactor ?? (cluster ? 2 : 1),
    writeConsistency: set.writeConsistency ?? 1,
  };
  if (layout.writeConsistency > layout.replicationFactor) {
    throw new ConfigError(
      `invalid configuration: MEDCAP_QDRANT_WRITE_CONSISTENCY (${layout.writeConsistency}) cannot exceed MEDCAP_QDRANT_REPLICATION_FACTOR (${layout.replicationFactor})`,
    );
  }
  return layout;
}

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, env[k] === "" ? undefined : env[k]]));
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid configuration: ${issues}`);
  }
  const e = parsed.data;
  if (e.MEDCAP_VECTOR_STORE === "qdrant" && !e.QDRANT_URL) {
    throw new ConfigError("invalid configuration: MEDCAP_VECTOR_STORE=qdrant needs QDRANT_URL");
  }
  // npm runs workspace scripts inside the workspace; INIT_CWD is where the user typed the command.
  const dataDir = path.resolve(env.INIT_CWD ?? process.cwd(), e.MEDCAP_DATA_DIR);
  return {
    dataDir,
    imagesDir: path.join(dataDir, "images"),
    databaseUrl: e.DATABASE_URL,
    embeddedPgPort: e.MEDCAP_PG_PORT,
    pgSystemDir: path.resolve(e.MEDCAP_PG_SYSTEM_DIR),
    medpixDownloadUrl: e.MEDCAP_MEDPIX_DOWNLOAD_URL === "off" ? undefined : e.MEDCAP_MEDPIX_DOWNLOAD_URL,
    medpixDir: e.MEDPIX_DIR ? path.resolve(env.INIT_CWD ?? process.cwd(), e.MEDPIX_DIR) : undefined,
    modelDir: path.resolve(e.MEDCAP_MODEL_DIR),
    modelsDir: path.resolve(e.MEDCAP_MODELS_DIR ?? path.dirname(path.resolve(e.MEDCAP_MODEL_DIR))),
    modelPollMs: e.MEDCAP_MODEL_POLL_MS,
    providers: e.MEDCAP_PROVIDERS,
    gpuDir: e.MEDCAP_GPU_DIR ? path.resolve(env.INIT_CWD ?? process.cwd(), e.MEDCAP_GPU_DIR) : path.join(dataDir, "gpu"),
    onnxThreads: e.MEDCAP_ONNX_THREADS,
    textOnnxThreads: e.MEDCAP_TEXT_ONNX_THREADS,
    batch: {
      maxSize: e.MEDCAP_BATCH_MAX,
      maxWaitMs: e.MEDCAP_BATCH_WAIT_MS,
      maxQueue: e.MEDCAP_QUEUE_MAX,
      maxQueueWaitMs: e.MEDCAP_MAX_QUEUE_WAIT_MS,
    },
    vectorStore: e.MEDCAP_VECTOR_STORE,
    qdrant: {
      url: e.QDRANT_URL?.[0],
      urls: e.QDRANT_URL ?? [],
      apiKey: e.QDRANT_API_KEY,
      exactMaxPoints: e.MEDCAP_QDRANT_EXACT_MAX_POINTS,
      failbackMs: e.MEDCAP_QDRANT_FAILBACK_MS,
      layout: qdrantLayout(e.QDRANT_URL?.length ?? 1, {
        shards: e.MEDCAP_QDRANT_SHARDS,
        replicationFactor: e.MEDCAP_QDRANT_REPLICATION_FACTOR,
        writeConsistency: e.MEDCAP_QDRANT_WRITE_CONSISTENCY,
      }),
      readConsistency: /^\d+$/.test(e.MEDCAP_QDRANT_READ_CONSISTENCY ?? "")
        ? Number(e.MEDCAP_QDRANT_READ_CONSISTENCY)
        : ((e.MEDCAP_QDRANT_READ_CONSISTENCY as QdrantReadConsistency | undefined) ?? 1),
    },
    textCacheSize: e.MEDCAP_TEXT_CACHE_SIZE,
    textBuckets: e.MEDCAP_TEXT_BUCKETS,
    explainCacheSize: e.MEDCAP_EXPLAIN_CACHE_SIZE,
    http: { port: e.PORT, host: e.MEDCAP_HOST, trustProxy: parseTrustProxy(e.MEDCAP_TRUST_PROXY) },
    limits: {
      maxUploadBytes: e.MEDCAP_MAX_UPLOAD_BYTES,
      maxPixels: e.MEDCAP_MAX_PIXELS,
      maxK: e.MEDCAP_MAX_K,
      rateLimitPerMinute: e.MEDCAP_RATE_LIMIT_PER_MIN,
      maxEncodesPerRequest: e.MEDCAP_MAX_ENCODES_PER_REQUEST,
    },
    jobs: { maxAttempts: e.MEDCAP_JOB_MAX_ATTEMPTS },
    metricsToken: e.MEDCAP_METRICS_TOKEN,
    apiKeyCacheMs: e.MEDCAP_API_KEY_CACHE_MS,
    introspection: e.MEDCAP_INTROSPECTION,
    logLevel: e.MEDCAP_LOG_LEVEL,
    autoImport: e.MEDCAP_AUTO_IMPORT,
    attributePrior: e.MEDCAP_ATTRIBUTE_PRIOR,
    captioning: {
      strategy: e.MEDCAP_CAPTION_STRATEGY,
      neighbours: e.MEDCAP_CAPTION_NEIGHBOURS,
      temperature: e.MEDCAP_CAPTION_TEMPERATURE,
      weight: e.MEDCAP_CAPTION_WEIGHT,
      consensus:
        e.MEDCAP_CAPTION_CONSENSUS === undefined
          ? undefined
          : e.MEDCAP_CAPTION_CONSENSUS === "off"
            ? null
            : {
                candidates: Number(e.MEDCAP_CAPTION_CONSENSUS.split(":")[0]),
                weight: Number(e.MEDCAP_CAPTION_CONSENSUS.split(":")[1]),
              },
    },
  };
}

/** MEDCAP_TRUST_PROXY: unset, `off`, `false` or `0` → false; a positive integer → that many hops; else a comma list. */
export function parseTrustProxy(value: string | undefined): false | number | string[] {
  const v = value?.trim() ?? "";
  if (v === "" || /^(off|false|no|0)$/i.test(v)) return false;
  if (/^\d+$/.test(v)) return Number(v);
  if (/^(on|true|yes)$/i.test(v)) {
    // Trusting every hop lets any client choose its own address; name the proxies instead.
    throw new ConfigError(
      "invalid configuration: MEDCAP_TRUST_PROXY: name the proxies (e.g. loopback, 10.0.0.0/8) or a hop count, not true",
    );
  }
  return v
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
}
