// The one entry point the rest of the API uses to turn images and text into vectors.
//
// Request paths (encodeImage/encodeText) go through micro-batchers so concurrent GraphQL requests share
// ONNX runs; bulk paths (encode*Batch) feed the sessions directly in maxSize chunks, since an indexer
// already has its batch and should not compete for queue slots with interactive traffic.
import { availableParallelism } from "node:os";
import * as ort from "onnxruntime-node";
import { MedcapError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { currentRequestScope } from "../core/request.scope.js";
import { type Settled, settle, unwrap } from "../core/settled.js";
import type { DicomInfo } from "./dicom.decode.js";
import {
  type DecodedImage,
  decodeImage,
  type ImageFormat,
  imageDecodesInFlight,
  type ImagePreprocessSpec,
  ImagePreprocessor,
  luminanceToTensor,
} from "./image.preprocess.js";
import { type BatchObservation, MicroBatcher, type SubmitOptions } from "./micro.batcher.js";
import { loadModelFolder, type ModelFolder, type ModelManifest } from "./model.manifest.js";
import { DEFAULT_SESSION_CONFIG, embeddingRows, type OnnxSession, OnnxSessionFactory, STATIC_INT8_SESSION_CONFIG } from "./onnx.session.js";
import { gpuProviderHooks } from "../gpu/gpu.runtime.js";
import { addStage, currentStageTimes, timedSync } from "../core/stage.timer.js";
import { TextEmbeddingCache, type TextCacheStats } from "./text-embedding.cache.js";
import { inOrderChunks, planTextBuckets, runInGroups } from "./text.buckets.js";
import { WordPieceTokenizer } from "./wordpiece.tokenizer.js";
import { type AttributePrediction, readAttributes } from "../attributes/attribute.prediction.js";
import type { AttributePrior } from "../attributes/attribute.prior.js";

/** One image through the graph: its embedding and, for a model with attribute heads, their probabilities. */
interface ImageRun {
  embedding: Float32Array;
  attributes: Float32Array | null;
}

const textThreads = (config: EncoderConfig): number => config.textOnnxThreads || config.onnxThreads;

/** A request's item through a batcher; with stage timings on, its wait in the queue and its batch's run are separate stages. */
function submitTimed<I, O>(batcher: MicroBatcher<I, O>, item: I, options: SubmitOptions): Promise<O> {
  const times = currentStageTimes();
  if (!times) return batcher.submit(item, options);
  const t0 = performance.now();
  let dispatched: number | undefined;
  const onDispatch = () => {
    dispatched = performance.now();
  };
  return batcher.submit(item, { ...options, onDispatch }).finally(() => {
    const end = performance.now();
    addStage(times, "queueWait", (dispatched ?? end) - t0);
    if (dispatched !== undefined) addStage(times, "onnx", end - dispatched);
  });
}

/** The slice of Config the encoders use; the app's Config satisfies it structurally. */
export interface EncoderConfig {
  providers: readonly string[];
  onnxThreads: number;
  batch: { maxSize: number; maxWaitMs: number; maxQueue: number; maxQueueWaitMs?: number };
  limits: { maxUploadBytes: number; maxPixels: number };
  /** Entries of the LRU cache of request text embeddings (encodeText); 0 or absent = off. */
  textCacheSize?: number;
  /**
   * Intra-op threads of the text session (and of a benchmark's reference text graph); absent or 0 =
   * `onnxThreads`. The served text graph is ~520 small ops: with spinning off, waking a second thread
   * for each costs more than it saves (batch-1 p50 5.5 ms on one thread vs 6.9 ms on two, measured).
   */
  textOnnxThreads?: number;
  /** Split text batches into length buckets (text.buckets.ts); absent = on, false = one run per maxSize chunk. */
  textBuckets?: boolean;
  /** Where `medcap gpu install` put the CUDA libraries (`<gpuDir>/cuda13/lib`); loaded before a cuda session. */
  gpuDir?: string;
}

export interface EncoderInfo {
  name: string;
  version: string;
  dim: number;
  provider: string;
  manifestSha256: string;
  /** The model's captioning defaults (its CV winner); undefined for models exported before issue #11. */
  captioning?: ModelManifest["captioning"];
  /** Providers tried before the active one, with why they failed. */
  unavailableProviders: Record<string, string>;
  /** The attribute prior of captioning / similar images (models with attribute heads; issue #24). */
  captioningPrior?: AttributePrior;
  similarImagesPrior?: AttributePrior;
}

export interface EncoderHooks {
  /** Called after every ONNX batch, for metrics (batch size histogram, latency). */
  onBatch?: (kind: "image" | "text", observation: BatchObservation) => void;
}

export class EncoderService {
  private readonly imageBatcher: MicroBatcher<Float32Array, ImageRun>;
  private readonly textBatcher: MicroBatcher<number[], Float32Array>;
  private readonly preprocessor: ImagePreprocessor;
  readonly tokenizer: WordPieceTokenizer;
  private readonly textCache: TextEmbeddingCache;
  private closed = false;
  // Decoded pixels are the big allocation (up to maxPixels × 4 bytes each), so decodes are limited
  // to one per core and queued decodes count against the same maxQueue as the batcher.
  private readonly decodeConcurrency = Math.max(1, availableParallelism());
  private decoding = 0;
  private readonly decodeWaiters: (() => void)[] = [];

  private constructor(
    private readonly model: Omit<ModelFolder, "imageModel" | "textModel">,
    private readonly factory: OnnxSessionFactory,
    private readonly imageSession: OnnxSession,
    private readonly textSession: OnnxSession,
    private readonly config: EncoderConfig,
    private readonly logger: Logger,
    hooks: EncoderHooks,
  ) {
    const { manifest } = model;
    this.preprocessor = new ImagePreprocessor(
      { size: manifest.image.size, mean: manifest.image.mean, std: manifest.image.std },
      config.limits,
    );
    this.tokenizer = WordPieceTokenizer.fromVocabText(model.vocabText, manifest.text.tokenizer);
    this.textCache = new TextEmbeddingCache(
      config.textCacheSize ?? 0,
      `${manifest.name}@${manifest.version}#${model.manifestSha256}`,
      manifest.text.tokenizer.lowercase,
    );
    const batch = config.batch;
    this.imageBatcher = new MicroBatcher({
      name: "image encoder",
      ...batch,
      run: (tensors) => this.runImagesFull(tensors),
      // Another request decoding or preprocessing will join within maxWaitMs; with none, waiting buys nothing.
      expectMore: () => this.decoding > 0 || this.decodeWaiters.length > 0 || imageDecodesInFlight() > 0,
      onBatch: (o) => this.observe("image", o, hooks),
    });
    this.textBatcher = new MicroBatcher({
      name: "text encoder",
      ...batch,
      run: (rows) => this.runTexts(rows),
      onBatch: (o) => this.observe("text", o, hooks),
    });
  }

  /**
   * Creates both sessions (provider fallback), checks the graphs' input/output names against the
   * manifest, and probes each once to prove it yields `embeddingDim` values: a model that would write
   * vectors of the wrong size fails here, at start-up, not in the middle of an index run.
   */
  static async create(model: ModelFolder, config: EncoderConfig, logger: Logger, hooks: EncoderHooks = {}): Promise<EncoderService> {
    const log = logger.child({ component: "encoders", model: `${model.manifest.name}@${model.manifest.version}` });
    const factory = new OnnxSessionFactory({
      providers: config.providers,
      threads: config.onnxThreads,
      logger: log,
      ...(config.gpuDir ? gpuProviderHooks(config.gpuDir) : {}),
    });
    const imageSession = await factory.create(model.imageModel, model.manifest.image.file);
    let textSession: OnnxSession;
    try {
      textSession = await factory.create(model.textModel, model.manifest.text.file, textThreads(config));
    } catch (err) {
      await imageSession.release();
      throw err;
    }
    const { imageModel: _i, textModel: _t, ...rest } = model;
    const service = new EncoderService(rest, factory, imageSession, textSession, config, log, hooks);
    try {
      await service.verify();
    } catch (err) {
      await service.close();
      throw err;
    }
    log.info({ provider: imageSession.provider, dim: model.manifest.embeddingDim }, "encoders ready");
    return service;
  }

  /** loadModelFolder + create, for callers that only have a directory. */
  static async load(dir: string, config: EncoderConfig, logger: Logger, hooks: EncoderHooks = {}): Promise<EncoderService> {
    return EncoderService.create(await loadModelFolder(dir), config, logger, hooks);
  }

  private async verify(): Promise<void> {
    const { image, text } = this.model.manifest;
    const expectNames = (session: OnnxSession, inputs: readonly string[], output: string) => {
      const missingIn = inputs.filter((n) => !session.inputNames.includes(n));
      if (missingIn.length > 0 || !session.outputNames.includes(output)) {
        throw new MedcapError(
          "MODEL_MISMATCH",
          `${session.label} has inputs [${session.inputNames.join(", ")}] and outputs [${session.outputNames.join(", ")}]; ` +
            `the manifest expects inputs [${inputs.join(", ")}] and output ${output}`,
        );
      }
    };
    expectNames(this.imageSession, [image.input], image.output);
    if (image.attributes) expectNames(this.imageSession, [image.input], image.attributes.output);
    expectNames(this.textSession, text.inputs, text.output);
    let t0 = performance.now();
    const [imageRun] = await this.runImagesFull([this.probeImage()]);
    const imageProbe = imageRun?.embedding;
    if (imageRun?.attributes && !imageRun.attributes.every(Number.isFinite))
      throw new MedcapError("MODEL_MISMATCH", `${image.file} produced non-finite attribute probabilities on a probe input`);
    // A one-item run is the floor of a batch's time: the load-shedding estimate starts from it.
    this.imageBatcher.primeBatchTime(performance.now() - t0);
    t0 = performance.now();
    const [textProbe] = await this.runTexts([this.tokenizer.encode("probe")]);
    this.textBatcher.primeBatchTime(performance.now() - t0);
    for (const [label, vector] of [
      [image.file, imageProbe],
      [text.file, textProbe],
    ] as const) {
      if (!vector?.every(Number.isFinite)) {
        throw new MedcapError("MODEL_MISMATCH", `${label} produced non-finite values on a probe input`);
      }
    }
  }

  /** A smooth ramp, not zeros: an all-zero input can legitimately normalise to NaN (0/0). */
  private probeImage(): Float32Array {
    const size = this.model.manifest.image.size;
    return Float32Array.from({ length: 3 * size * size }, (_, i) => ((i % (size * size)) / (size * size)) * 2 - 1);
  }

  /**
   * Whether both ONNX sessions still answer (readiness): one tiny image and one short text, straight
   * to the sessions so a full request queue cannot make a healthy model look dead. Throws when not.
   */
  async probe(): Promise<void> {
    this.assertOpen();
    const [image] = await this.runImages([this.probeImage()]);
    const [text] = await this.runTexts([this.tokenizer.encode("probe")]);
    if (!image?.every(Number.isFinite) || !text?.every(Number.isFinite))
      throw new MedcapError("MODEL_MISMATCH", "the model produced non-finite values on a probe input");
  }

  get dim(): number {
    return this.model.manifest.embeddingDim;
  }

  /** Queue depths of the two request batchers (for metrics and health). */
  get queueDepth(): { image: number; text: number } {
    return { image: this.imageBatcher.queueDepth, text: this.textBatcher.queueDepth };
  }

  info(): EncoderInfo {
    return {
      name: this.model.manifest.name,
      version: this.model.manifest.version,
      dim: this.dim,
      provider: this.imageSession.provider,
      manifestSha256: this.model.manifestSha256,
      captioning: this.model.manifest.captioning,
      unavailableProviders: Object.fromEntries(this.factory.failedProviders),
      ...(this.model.manifest.image.attributes && this.model.manifest.captioning?.prior
        ? { captioningPrior: this.model.manifest.captioning.prior }
        : {}),
      ...(this.model.manifest.image.attributes && this.model.manifest.similarImages?.prior
        ? { similarImagesPrior: this.model.manifest.similarImages.prior }
        : {}),
    };
  }

  /**
   * Decode + preprocess outside the batcher (parallel per request), then one batched ONNX run.
   * `decoded`: the pixels the request's intake already decoded from `bytes`; they are not decoded again.
   */
  async encodeImage(bytes: Uint8Array, decoded?: DecodedImage): Promise<Float32Array> {
    return (await this.encodeImageWithInfo(bytes, decoded)).embedding;
  }

  /** As encodeImage, plus what was decoded (format; for DICOM only non-identifying fields). */
  async encodeImageWithInfo(
    bytes: Uint8Array,
    decoded?: DecodedImage,
  ): Promise<{ embedding: Float32Array; attributes: AttributePrediction[] | null; format: ImageFormat; dicom?: DicomInfo }> {
    this.assertOpen();
    const scope = currentRequestScope();
    return this.cancelSiblingsOnOverload(async () => {
      if (scope?.signal.aborted) throw scope.signal.reason;
      const { tensor, ...rest } = await this.withDecodeSlot(() => this.preprocessor.preprocessWithInfo(bytes, decoded));
      const run = await submitTimed(this.imageBatcher, tensor, { key: scope?.key, signal: scope?.signal });
      return { embedding: run.embedding, attributes: this.attributesOf(run), ...rest };
    });
  }

  /** A request's text: answered from the LRU cache when the same text was encoded recently. */
  async encodeText(text: string): Promise<Float32Array> {
    this.assertOpen();
    if (typeof text !== "string") throw new MedcapError("BAD_USER_INPUT", "text must be a string");
    const scope = currentRequestScope();
    return this.cancelSiblingsOnOverload(() =>
      this.textCache.get(text, (t) =>
        submitTimed(
          this.textBatcher,
          timedSync("preprocess", () => this.tokenizer.encode(t)),
          { key: scope?.key, signal: scope?.signal },
        ),
      ),
    );
  }

  /** Hits, misses and size of the text embedding cache (for /metrics). */
  textCacheStats(): TextCacheStats {
    return this.textCache.stats();
  }

  /**
   * A request refused for overload (queue full, expected wait too long) fails anyway: its other
   * queued encodes are dropped rather than run for an answer nobody will use.
   */
  private async cancelSiblingsOnOverload<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof MedcapError && err.code === "OVERLOADED") currentRequestScope()?.cancel(err);
      throw err;
    }
  }

  /**
   * Bulk path for indexing. A bad image rejects the call with its index in `details.index`, so the
   * indexer can skip it and retry the rest.
   */
  async encodeImagesBatch(images: readonly Uint8Array[]): Promise<Float32Array[]> {
    this.assertOpen();
    const out: Float32Array[] = [];
    for (let start = 0; start < images.length; start += this.config.batch.maxSize) {
      const chunk = images.slice(start, start + this.config.batch.maxSize);
      out.push(...(await this.runImages(await this.prepareImagesBatch(chunk, start))));
    }
    return out;
  }

  /**
   * The bulk path's first half: decode + preprocess, results in the images' order. While this thread
   * resizes image i, sharp already decodes image i+1 on libuv's pool (one decode ahead keeps this thread
   * busy; overlapping decodes are safe, see core/sharp.gate.ts, but gain nothing here). The first bad
   * image in order rejects the call, as a one-by-one loop would: its index (plus `indexOffset`) is in
   * `details.index`.
   */
  async prepareImagesBatch(images: readonly Uint8Array[], indexOffset = 0): Promise<Float32Array[]> {
    this.assertOpen();
    const decode = (i: number) => settle(() => this.preprocessor.decode(images[i] as Uint8Array));
    const out: Float32Array[] = [];
    let next: Promise<Settled<DecodedImage>> | undefined = images.length ? decode(0) : undefined;
    for (let i = 0; next; i++) {
      const result = await next;
      next = result.ok && i + 1 < images.length ? decode(i + 1) : undefined;
      try {
        out.push(this.preprocessor.preprocessDecoded(unwrap(result)));
      } catch (err) {
        await next; // the decode already started, so nothing outlives the call
        const index = indexOffset + i;
        if (err instanceof MedcapError) {
          throw new MedcapError(err.code, `image ${index}: ${err.message}`, { ...err.details, index }, { cause: err });
        }
        throw err;
      }
    }
    return out;
  }

  /** The bulk path's second half: ONNX runs of at most maxSize preprocessed tensors, results in their order. */
  async encodePreparedImages(tensors: readonly Float32Array[]): Promise<Float32Array[]> {
    this.assertOpen();
    const out: Float32Array[] = [];
    for (let start = 0; start < tensors.length; start += this.config.batch.maxSize) {
      out.push(...(await this.runImages(tensors.slice(start, start + this.config.batch.maxSize))));
    }
    return out;
  }

  /** Bulk path: runs of at most maxSize texts; with length buckets on, texts of similar length run together. */
  async encodeTextsBatch(texts: readonly string[]): Promise<Float32Array[]> {
    this.assertOpen();
    return this.runTexts(texts.map((t) => this.tokenizer.encode(t)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.imageBatcher.close(), this.textBatcher.close()]);
    await Promise.all([this.imageSession.release(), this.textSession.release()]);
  }

  private async withDecodeSlot<T>(decode: () => Promise<T>): Promise<T> {
    if (this.decodeWaiters.length + this.imageBatcher.queueDepth >= this.config.batch.maxQueue) {
      throw new MedcapError("OVERLOADED", `image decode queue is full (${this.config.batch.maxQueue} waiting); retry later`, {
        queue: "image decode",
        maxQueue: this.config.batch.maxQueue,
      });
    }
    if (this.decoding >= this.decodeConcurrency) {
      // The releasing caller hands its slot over directly, so `decoding` never overshoots.
      await new Promise<void>((resolve) => this.decodeWaiters.push(resolve));
    } else {
      this.decoding++;
    }
    try {
      return await decode();
    } finally {
      const next = this.decodeWaiters.shift();
      if (next) next();
      else this.decoding--;
    }
  }

  private observe(kind: "image" | "text", observation: BatchObservation, hooks: EncoderHooks): void {
    // Every caller of a failed batch gets the error; this records it once, with the batch size.
    if (observation.error !== undefined) {
      this.logger.error({ kind, size: observation.size, err: observation.error }, "encoder batch failed");
    }
    hooks.onBatch?.(kind, observation);
  }

  private assertOpen(): void {
    if (this.closed) throw new MedcapError("OVERLOADED", "the encoders are shutting down");
  }

  /**
   * Decode + preprocess in a decode slot, keeping the decoded size: occlusion maps (explain/) edit the
   * model-input tensor and map its cells back onto the image as displayed.
   */
  preprocessWithSize(bytes: Uint8Array, decoded?: DecodedImage): Promise<{ tensor: Float32Array; width: number; height: number }> {
    this.assertOpen();
    return this.withDecodeSlot(async () => {
      const { image } = decoded ?? (await decodeImage(bytes, this.config.limits));
      return { tensor: luminanceToTensor(image, this.preprocessor.spec), width: image.width, height: image.height };
    });
  }

  /** Preprocessed tensors through the request batcher, under the caller's key and signal (fair share). */
  encodeTensorsQueued(tensors: readonly Float32Array[]): Promise<Float32Array[]> {
    this.assertOpen();
    const scope = currentRequestScope();
    return this.cancelSiblingsOnOverload(() =>
      Promise.all(tensors.map(async (t) => (await this.imageBatcher.submit(t, { key: scope?.key, signal: scope?.signal })).embedding)),
    );
  }

  /** The model's grouping of location categories that share anatomy (its heads' label space); empty without heads. */
  get regionGroups(): Readonly<Record<string, string>> {
    return this.model.manifest.image.attributes?.regionGroups ?? {};
  }

  /** Whether the served image graph has attribute heads (classifyImage, the attribute prior). */
  get hasAttributes(): boolean {
    return this.model.manifest.image.attributes !== undefined;
  }

  private attributesOf(run: ImageRun): AttributePrediction[] | null {
    const spec = this.model.manifest.image.attributes;
    return spec && run.attributes ? readAttributes(run.attributes, spec) : null;
  }

  /** Texts through the request batcher but not the LRU cache: one-off variants would only evict real queries. */
  encodeTextsQueued(texts: readonly string[]): Promise<Float32Array[]> {
    this.assertOpen();
    const scope = currentRequestScope();
    return this.cancelSiblingsOnOverload(() =>
      Promise.all(texts.map((t) => this.textBatcher.submit(this.tokenizer.encode(t), { key: scope?.key, signal: scope?.signal }))),
    );
  }

  /** The model-input spec (size, mean, std) and the request batch size. */
  get imageSpec(): ImagePreprocessSpec {
    return this.preprocessor.spec;
  }

  get batchSize(): number {
    return this.config.batch.maxSize;
  }

  /** Decode + preprocess only (no ONNX), for benchmarks that separate the two costs. */
  preprocessImage(bytes: Uint8Array): Promise<Float32Array> {
    return this.preprocessor.preprocess(bytes);
  }

  /** ONNX alone on already preprocessed tensors, bypassing the micro-batcher (benchmarks). */
  encodePreprocessedImages(tensors: Float32Array[]): Promise<Float32Array[]> {
    this.assertOpen();
    return this.runImages(tensors);
  }

  private async runImages(tensors: Float32Array[]): Promise<Float32Array[]> {
    return (await this.runImagesFull(tensors)).map((r) => r.embedding);
  }

  /** One ONNX run: embeddings, and the attribute probabilities in the same run when the graph has heads. */
  private async runImagesFull(tensors: Float32Array[], session: OnnxSession = this.imageSession): Promise<ImageRun[]> {
    if (tensors.length === 0) return [];
    const { image } = this.model.manifest;
    const plane = 3 * image.size * image.size;
    const input = new Float32Array(tensors.length * plane);
    for (const [i, t] of tensors.entries()) input.set(t, i * plane);
    const feeds = { [image.input]: new ort.Tensor("float32", input, [tensors.length, 3, image.size, image.size]) };
    const spec = image.attributes;
    const outputs = spec ? [image.output, spec.output] : [image.output];
    // The batch's input was built here for this run: moved to the ONNX thread, not copied.
    const [emb, att] = await session.runOutputs(feeds, outputs, { transferInputs: true });
    const embeddings = embeddingRows(emb as ort.Tensor, tensors.length, this.dim, image.file);
    const attributes = spec && att ? embeddingRows(att, tensors.length, spec.width, `${image.file} (${spec.output})`) : null;
    return embeddings.map((embedding, i) => ({ embedding, attributes: attributes?.[i] ?? null }));
  }

  /**
   * Another image graph with this model's preprocessing and input/output names, run with the same session
   * options, plus ORT's QDQ fusion for a static int8 graph (benchmarks: the int8 graph beside the float32
   * one, issue #29). `encode` is the indexing path: decode + preprocess + one ONNX run per call.
   */
  async imageGraph(
    file: string,
    precision: "float32" | "int8",
  ): Promise<{
    encodePreprocessed(tensors: Float32Array[]): Promise<Float32Array[]>;
    encode(images: readonly Uint8Array[]): Promise<Float32Array[]>;
    close(): Promise<void>;
  }> {
    const config = precision === "int8" ? STATIC_INT8_SESSION_CONFIG : DEFAULT_SESSION_CONFIG;
    const session = await this.factory.create(file, file, this.config.onnxThreads, config);
    const { image } = this.model.manifest;
    if (!session.inputNames.includes(image.input) || !session.outputNames.includes(image.output)) {
      await session.release();
      throw new MedcapError("MODEL_MISMATCH", `${file} lacks the input ${image.input} or the output ${image.output}`);
    }
    const run = async (tensors: Float32Array[]) => (await this.runImagesFull(tensors, session)).map((r) => r.embedding);
    return {
      encodePreprocessed: run,
      encode: async (images) => run(await Promise.all(images.map((b) => this.preprocessor.preprocess(b)))),
      close: () => session.release(),
    };
  }

  /**
   * Another text graph with this model's tokenizer and input/output names, run with the same session
   * options (benchmarks: the served graph side by side with, e.g., its fp32 original).
   */
  async textReference(file: string): Promise<{ encode(texts: readonly string[]): Promise<Float32Array[]>; close(): Promise<void> }> {
    const session = await this.factory.create(file, file, textThreads(this.config));
    const { text } = this.model.manifest;
    if (!text.inputs.every((n) => session.inputNames.includes(n)) || !session.outputNames.includes(text.output)) {
      await session.release();
      throw new MedcapError("MODEL_MISMATCH", `${file} lacks the inputs [${text.inputs.join(", ")}] or the output ${text.output}`);
    }
    return {
      encode: (texts) =>
        this.runTexts(
          texts.map((t) => this.tokenizer.encode(t)),
          session,
        ),
      close: () => session.release(),
    };
  }

  /**
   * Every text path (request batches, bulk, the benchmark's reference graph) comes here: runs of at most
   * maxSize rows, planned by length unless textBuckets is false, results in the rows' order.
   */
  private async runTexts(rows: number[][], session: OnnxSession = this.textSession): Promise<Float32Array[]> {
    const { maxSize } = this.config.batch;
    const lengths = rows.map((r) => r.length);
    const groups = this.config.textBuckets === false ? inOrderChunks(rows.length, maxSize) : planTextBuckets(lengths, maxSize);
    return runInGroups(rows, groups, (group) => this.runTextGroup(group, session));
  }

  private async runTextGroup(rows: number[][], session: OnnxSession): Promise<Float32Array[]> {
    const { text } = this.model.manifest;
    const batch = this.tokenizer.pad(rows);
    const shape = [batch.batchSize, batch.sequenceLength];
    const feeds = {
      [text.inputs[0]]: new ort.Tensor("int64", batch.inputIds, shape),
      [text.inputs[1]]: new ort.Tensor("int64", batch.attentionMask, shape),
    };
    return embeddingRows(await session.run(feeds, text.output, { transferInputs: true }), rows.length, this.dim, session.label);
  }
}
