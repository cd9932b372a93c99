// ONNX Runtime sessions with an ordered execution-provider preference.
//
// onnxruntime-node does not fall back by itself: a session asked for ["cuda", "cpu"] THROWS when the
// CUDA provider library cannot be loaded (the npm package's default install has none). So each
// provider is tried alone, in order; a failure is logged once per factory (image and text sessions
// share it, so the second one does not retry a provider known to fail) and the next one is tried.
// A session created with a GPU provider still runs unsupported nodes on CPU inside ORT.
//
// Getting CUDA: `medcap gpu install` (src/gpu/) puts onnxruntime-gpu's provider libraries beside
// onnxruntime-node's and the CUDA libraries under the data folder, from PyPI; then set
// MEDCAP_PROVIDERS=cuda,cpu. The repository's default stays CPU (MEDCAP_PROVIDERS=cpu) so a fresh
// clone needs no GPU and no download.
import { Worker } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { MedcapError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";

export interface OnnxSessionFactoryOptions {
  /** Preference order, e.g. ["cuda", "webgpu", "cpu"]; names are onnxruntime-node's (case-insensitive). */
  providers: readonly string[];
  /** Caps intra- and inter-op threads of every session; 0 leaves ORT's default (one per core). */
  threads: number;
  logger: Logger;
  /** ORT session config entries ("session.x": "v"); defaults to DEFAULT_SESSION_CONFIG. */
  configEntries?: Readonly<Record<string, string>>;
  /** Called before a session is tried with `provider` (the GPU hooks load the CUDA libraries here). */
  beforeProvider?: (provider: string) => void;
  /** Turns ORT's failure message into the reason reported (ORT says only "Failed to load shared library"). */
  explainFailure?: (provider: string, message: string) => string;
}

/**
 * Session config applied to every session. The toolkit exports weight-only int8 models (int8 weight →
 * DequantizeLinear → MatMul/Gather, activations float32). onnxruntime 1.30's QDQ optimisations fuse
 * those pairs into MatMulNBits, which by default also quantises the activations to int8: on the
 * medcap-base-v1 text encoder that drifts to cosine 0.9991 against the toolkit's parity fixtures
 * (computed with onnxruntime 1.19, which has no such fusion), and it is slower too, because the
 * 30522×384 embedding table is dequantised on every run. Disabling the QDQ rewrites lets ORT fold the
 * constant DequantizeLinear nodes into float32 weights once at load: cosine 1.0000 against the
 * fixtures and, measured on 2 CPU cores, ~8 ms instead of ~18 ms per short text (more RAM: the
 * weights live as float32 in memory; the files stay small).
 *
 * Spinning is off: by default ORT's pool threads busy-wait after every run, and on a 2-core machine
 * they took the CPU from Postgres and the event loop between micro-batches. Measured with `medcap
 * bench` (docs/speed.md, issue #14), `searchImages` with uncached texts at concurrency 8 went from
 * 12–17 to ~48 req/s, and image hydration from ~18 ms to ~9 ms, with encoder latency unchanged.
 */
export const DEFAULT_SESSION_CONFIG: Readonly<Record<string, string>> = {
  "session.disable_quant_qdq": "1",
  "session.intra_op.allow_spinning": "0",
  "session.inter_op.allow_spinning": "0",
};

/**
 * A static int8 image graph (QDQ: QuantizeLinear/DequantizeLinear around every convolution, issue #29)
 * needs the QDQ rewrites that DEFAULT_SESSION_CONFIG turns off: they are what turns DequantizeLinear →
 * Conv → QuantizeLinear into one int8 QLinearConv. Without them the graph runs float32 convolutions on
 * dequantised tensors, slower than the float32 graph itself.
 */
export const STATIC_INT8_SESSION_CONFIG: Readonly<Record<string, string>> = {
  ...DEFAULT_SESSION_CONFIG,
  "session.disable_quant_qdq": "0",
};

/** onnxruntime-node takes config entries as a nested `extra` object and joins the keys with dots. */
function nestConfigEntries(entries: Readonly<Record<string, string>>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entries)) {
    const parts = key.split(".");
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = value;
  }
  return root;
}

export type Feeds = Record<string, ort.Tensor>;

export interface RunOptions {
  /**
   * Move the inputs' buffers to the worker instead of copying them (a batch of images is
   * n × 3 × S × S floats): the caller built them for this run and must not read them afterwards.
   */
  transferInputs?: boolean;
}

/** The distinct whole ArrayBuffers behind the tensors; a view into a larger or shared buffer is copied, not moved. */
function transferables(tensors: readonly ort.Tensor[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of tensors) {
    const data = t.data as ArrayBufferView;
    if (
      ArrayBuffer.isView(data) &&
      data.buffer instanceof ArrayBuffer &&
      data.byteOffset === 0 &&
      data.byteLength === data.buffer.byteLength
    )
      out.add(data.buffer);
  }
  return [...out];
}

const WORKER_URL = new URL("./onnx.worker.mjs", import.meta.url);

interface WorkerReply {
  id?: number;
  ready?: boolean;
  inputNames?: string[];
  outputNames?: string[];
  error?: string;
  released?: boolean;
  /** One entry per requested output, null where the graph has none of that name. */
  results?: ({ type: ort.Tensor.Type; data: ort.Tensor.DataType; dims: number[] } | null)[];
}

/**
 * One loaded graph, run on its own worker thread (see onnx.worker.mjs: ORT's run is synchronous and
 * would otherwise block the event loop for every batch). Sessions are created once and reused:
 * creation costs far more than a run.
 */
export class OnnxSession {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (err: Error) => void }>();
  private dead: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
    readonly provider: string,
    readonly label: string,
  ) {
    // The thread keeps the process alive only while a run is pending, as ORT on the main thread
    // never did: a CLI command that forgets to close its encoders still exits.
    worker.unref();
    worker.on("message", (reply: WorkerReply) => {
      const waiter = reply.id === undefined ? undefined : this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id!);
      if (this.waiting.size === 0) worker.unref();
      waiter.resolve(reply);
    });
    const fail = (err: Error) => {
      this.dead ??= err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`${label}: ONNX worker exited (${code})`)));
  }

  /** Starts a worker and loads the graph in it; rejects with ORT's message when it cannot. */
  static async open(model: Uint8Array | string, options: ort.InferenceSession.SessionOptions, provider: string, label: string) {
    const worker = new Worker(WORKER_URL, { workerData: { model, options } });
    let onExit: ((code: number) => void) | undefined;
    let onError: ((err: Error) => void) | undefined;
    const ready = await new Promise<WorkerReply>((resolve, reject) => {
      onError = reject;
      onExit = (code) => reject(new Error(`ONNX worker exited (${code}) while loading ${label}`));
      worker.once("message", resolve);
      worker.once("error", onError);
      worker.once("exit", onExit);
    }).finally(() => {
      // Only our own listeners: Worker keeps internal ones that ref its message port.
      worker.off("error", onError!);
      worker.off("exit", onExit!);
    });
    if (!ready.ready) {
      await worker.terminate();
      throw new Error(ready.error ?? `could not load ${label}`);
    }
    return new OnnxSession(worker, ready.inputNames ?? [], ready.outputNames ?? [], provider, label);
  }

  private request(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }

  async run(feeds: Feeds, output: string, options: RunOptions = {}): Promise<ort.Tensor> {
    const [tensor] = await this.runOutputs(feeds, [output], options);
    return tensor as ort.Tensor;
  }

  /** One run, several outputs (the image graph's embeddings and attribute probabilities), in the order asked. */
  async runOutputs(feeds: Feeds, outputs: readonly string[], options: RunOptions = {}): Promise<ort.Tensor[]> {
    const wire = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, { type: t.type, data: t.data, dims: [...t.dims] }]));
    const transfer = options.transferInputs ? transferables(Object.values(feeds)) : [];
    const reply = await this.request({ feeds: wire, outputs: [...outputs] }, transfer);
    if (reply.error) throw new Error(`${this.label}: ${reply.error}`);
    return outputs.map((name, i) => {
      const r = reply.results?.[i];
      if (!r) throw new MedcapError("MODEL_MISMATCH", `${this.label} produced no output named ${name}`);
      return new ort.Tensor(r.type, r.data as never, r.dims);
    });
  }

  async release(): Promise<void> {
    if (!this.dead) await this.request({ release: true }).catch(() => {});
    this.dead ??= new Error(`${this.label}: session released`);
    await this.worker.terminate();
  }
}

export class OnnxSessionFactory {
  private readonly failed = new Map<string, string>();
  private active: string | null = null;
  private readonly providers: string[];

  constructor(private readonly options: OnnxSessionFactoryOptions) {
    this.providers = [...new Set(options.providers.map((p) => p.trim().toLowerCase()).filter(Boolean))];
    if (this.providers.length === 0) this.providers.push("cpu");
  }

  /** The provider the last session was created with (null before the first). */
  get activeProvider(): string | null {
    return this.active;
  }

  /** Providers that could not be loaded, with the reason; for health output. */
  get failedProviders(): ReadonlyMap<string, string> {
    return this.failed;
  }

  /**
   * `threads` overrides the factory's thread cap for this session (0 = ORT's default); `configEntries` the
   * factory's session config (e.g. STATIC_INT8_SESSION_CONFIG for a static int8 graph).
   */
  async create(
    model: Uint8Array | string,
    label: string,
    threads = this.options.threads,
    configEntries: Readonly<Record<string, string>> = this.options.configEntries ?? DEFAULT_SESSION_CONFIG,
  ): Promise<OnnxSession> {
    threads = Math.max(0, Math.floor(threads));
    const base: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: "all",
      executionMode: "sequential",
      ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: threads } : {}),
      extra: nestConfigEntries(configEntries),
    };
    for (const provider of this.providers) {
      if (this.failed.has(provider)) continue;
      try {
        this.options.beforeProvider?.(provider);
        const session = await OnnxSession.open(model, { ...base, executionProviders: [provider] }, provider, label);
        this.active = provider;
        this.options.logger.info({ model: label, provider, threads: threads || "default" }, "onnx session created");
        return session;
      } catch (err) {
        const reason = (err instanceof Error ? err.message : String(err)).split("\n")[0]!.slice(0, 300);
        // CPU is always built in, so its failure means the graph itself is unusable.
        if (provider === "cpu") {
          throw new MedcapError(
            "MODEL_MISMATCH",
            `could not load ${label} with the cpu provider: ${reason}`,
            { model: label },
            { cause: err },
          );
        }
        this.failed.set(provider, this.options.explainFailure?.(provider, reason) ?? reason);
        this.options.logger.warn(
          { model: label, provider, reason: this.failed.get(provider) },
          `onnx execution provider ${provider} unavailable, trying the next one`,
        );
      }
    }
    const reasons = [...this.failed].map(([p, r]) => `${p}: ${r}`).join("; ");
    throw new MedcapError(
      "INTERNAL_SERVER_ERROR",
      `no ONNX execution provider could load ${label} (tried ${this.providers.join(", ")}): ${reasons}`,
      {
        providers: this.providers,
      },
    );
  }
}

/**
 * One copy per row of a [n, dim] float32 output, so callers never hold views into ORT's buffer; any
 * other type or shape is MODEL_MISMATCH (a graph whose size disagrees with its manifest).
 */
export function embeddingRows(output: ort.Tensor, n: number, dim: number, label: string): Float32Array[] {
  if (output.type !== "float32" || output.dims.length !== 2 || output.dims[0] !== n || output.dims[1] !== dim) {
    throw new MedcapError(
      "MODEL_MISMATCH",
      `${label} returned ${output.type} [${output.dims.join(", ")}], expected float32 [${n}, ${dim}] (manifest embeddingDim ${dim})`,
      { expectedDim: dim, dims: [...output.dims] },
    );
  }
  const data = output.data as Float32Array;
  return Array.from({ length: n }, (_, i) => data.slice(i * dim, (i + 1) * dim));
}
