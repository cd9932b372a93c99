// Encodes every image and current caption not yet embedded for a model version, stores vectors
// in Postgres (one transaction per batch, so an interrupted run resumes where it stopped), then
// upserts them into the vector store.
import type { EmbeddingKind } from "@medcap/db";
import { type BatchPipelineStages, runBatchPipeline } from "../core/batch.pipeline.js";
import { MedcapError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { EncoderService } from "../encoders/encoder.service.js";
import type { ImageStore } from "../core/image.store.js";
import { sha256Hex } from "../core/image.store.js";
import type { VectorStore } from "../vectors/vector.store.js";
import type { EmbeddingRepository } from "./embedding.repository.js";
import type { ModelRef } from "./search.types.js";

/** Tries of one caption re-index while edits keep landing (each newer edit re-indexes it again anyway). */
const MAX_CAPTION_INDEX_ATTEMPTS = 5;

export interface IndexProgress {
  /** `store`: copying vectors already in Postgres into a vector store that lacks them. */
  phase: "store" | "images" | "captions";
  done: number;
  total: number;
}

/** Vectors per kind in the store against what Postgres says it must hold. */
export interface StoreState {
  store: Record<EmbeddingKind, number>;
  postgres: Record<EmbeddingKind, number>;
  inSync: boolean;
}

export interface IndexReport {
  images: number;
  captions: number;
  /** Caption vectors reused from identical text instead of being encoded again. */
  captionsReused: number;
  removed: number;
  /** Vectors copied from Postgres into a store that lacked them (no encoding needed). */
  restored: number;
  seconds: number;
  /** Images over the image phase's wall time: fetching, reading, decoding, preprocessing, ONNX and the writes, overlapped. */
  imagesPerSecond: number;
}

export class IndexService {
  /** What this process is doing to the store right now: readiness treats a rebuild as not ready. */
  activity: "idle" | "indexing" | "rebuilding" = "idle";

  constructor(
    private readonly repo: EmbeddingRepository,
    private readonly store: VectorStore,
    private readonly encoder: EncoderService,
    private readonly images: ImageStore,
    private readonly logger: Logger,
    private readonly batchSize = 32,
    /** Called after a run that left nothing pending (blue/green: the new version becomes active). */
    private readonly onComplete: (model: ModelRef) => Promise<void> = async () => {},
  ) {}

  /** Images and current captions of the catalogue that have no up-to-date vector under this version. */
  async pending(model: ModelRef): Promise<{ images: number; captions: number }> {
    return {
      images: await this.repo.countPendingImages(model.modelVersionId),
      captions: await this.repo.countPendingCaptions(model.modelVersionId),
    };
  }

  /** Loads every stored vector of the model version into the store (start-up of the embedded store). */
  async loadStore(model: ModelRef): Promise<number> {
    await this.store.rebuild(model.modelVersionId, this.encoder.dim, this.repo.points(model.modelVersionId));
    return this.store.count(model.modelVersionId);
  }

  async storeState(model: ModelRef): Promise<StoreState> {
    const mv = model.modelVersionId;
    const [postgres, images, captions] = await Promise.all([
      this.repo.countPoints(mv),
      this.store.count(mv, "IMAGE"),
      this.store.count(mv, "CAPTION"),
    ]);
    const store = { IMAGE: images, CAPTION: captions };
    return { store, postgres, inSync: store.IMAGE === postgres.IMAGE && store.CAPTION === postgres.CAPTION };
  }

  /**
   * Makes the store hold exactly the vectors Postgres holds for the model version, rebuilding it from
   * Postgres (blue/green where the store supports it) when its counts differ: an empty Qdrant next to
   * a data folder indexed with the embedded store, a collection lost with Qdrant's volume, or one
   * left behind by a crash between the Postgres write and the upsert.
   */
  async syncStore(model: ModelRef, onProgress?: (p: IndexProgress) => void): Promise<{ rebuilt: boolean; before: StoreState }> {
    const before = await this.storeState(model);
    if (before.inSync) return { rebuilt: false, before };
    const total = before.postgres.IMAGE + before.postgres.CAPTION;
    this.logger.warn(
      { store: this.store.name, inStore: before.store, inPostgres: before.postgres },
      `vector store out of step with Postgres: rebuilding ${total} vectors from Postgres`,
    );
    const previous = this.activity;
    this.activity = "rebuilding";
    try {
      let done = 0;
      const repo = this.repo;
      async function* counted() {
        for await (const batch of repo.points(model.modelVersionId)) {
          yield batch;
          done += batch.length;
          onProgress?.({ phase: "store", done, total });
        }
      }
      await this.store.rebuild(model.modelVersionId, this.encoder.dim, counted());
    } finally {
      this.activity = previous;
    }
    return { rebuilt: true, before };
  }

  async indexAll(model: ModelRef, onProgress?: (p: IndexProgress) => void, signal?: AbortSignal): Promise<IndexReport> {
    const previous = this.activity;
    this.activity = "indexing";
    try {
      return await this.encodePending(model, onProgress, signal);
    } finally {
      this.activity = previous;
    }
  }

  private async encodePending(model: ModelRef, onProgress?: (p: IndexProgress) => void, signal?: AbortSignal): Promise<IndexReport> {
    const started = performance.now();
    const mv = model.modelVersionId;
    await this.store.ensureCollection(mv, this.encoder.dim);
    // Vectors already in Postgres but missing from the store are copied, not re-encoded.
    const synced = await this.syncStore(model, onProgress);

    const imageTotal = await this.repo.countPendingImages(mv);
    const imagesStarted = performance.now();
    const images = await this.encodePendingImages(mv, imageTotal, onProgress, signal);
    const imageSeconds = (performance.now() - imagesStarted) / 1000;

    const captionTotal = await this.repo.countPendingCaptions(mv);
    const { captions, reused } = await this.encodePendingCaptions(mv, captionTotal, onProgress, signal);

    const stale = await this.repo.staleCaptionTargets(mv);
    if (stale.length) {
      await this.store.delete(mv, "CAPTION", stale);
      await this.repo.deleteTargets(mv, "CAPTION", stale);
    }
    const seconds = (performance.now() - started) / 1000;
    const report = {
      images,
      captions,
      restored: synced.rebuilt ? synced.before.postgres.IMAGE + synced.before.postgres.CAPTION : 0,
      captionsReused: reused,
      removed: stale.length,
      seconds,
      imagesPerSecond: imageSeconds > 0 ? images / imageSeconds : 0,
    };
    this.logger.info({ model: `${model.name} ${model.version}`, ...report }, "index finished");
    const left = await this.pending(model);
    if (left.images === 0 && left.captions === 0) await this.onComplete(model);
    return report;
  }

  /**
   * The image phase: pending images in id order, batch by batch through runBatchPipeline, so batch k+1's
   * rows, files, decode and preprocessing (this thread and libuv's) overlap batch k's ONNX run (the
   * worker thread) and batch k-1's write (walkPending). Each batch is still one transaction, written in
   * order, with its progress report after it.
   */
  private async encodePendingImages(
    mv: string,
    total: number,
    onProgress: ((p: IndexProgress) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    let done = 0;
    await this.walkPending(
      (after) => this.repo.pendingImages(mv, this.batchSize, after),
      {
        prepare: async (batch) => this.encoder.prepareImagesBatch(await Promise.all(batch.map((b) => this.images.read(b.storedPath)))),
        encode: (tensors) => this.encoder.encodePreparedImages(tensors),
        write: async (batch, vectors) => {
          const items = batch.map((b, i) => ({ targetId: b.id, contentSha256: b.sha256, vector: vectors[i] as Float32Array }));
          await this.repo.save(mv, "IMAGE", items);
          await this.upsert(mv, "IMAGE", items);
          done += batch.length;
          onProgress?.({ phase: "images", done, total: Math.max(total, done) });
        },
      },
      signal,
    );
    return done;
  }

  /**
   * The caption phase, pipelined as the image phase is: batch k+1's rows and its lookup of vectors
   * already stored for the same text run while batch k is encoded and batch k-1 written. That lookup
   * can run before batches k-1 and k are stored, so their fresh vectors are kept until then (`recent`):
   * a text repeated across neighbouring batches is still encoded once, as in the one-batch loop.
   */
  private async encodePendingCaptions(
    mv: string,
    total: number,
    onProgress: ((p: IndexProgress) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ captions: number; reused: number }> {
    let done = 0;
    let reused = 0;
    let recent: Map<string, Float32Array>[] = [];
    await this.walkPending(
      (after) => this.repo.pendingCaptions(mv, this.batchSize * 4, after),
      {
        prepare: async (batch) => {
          const shas = batch.map((c) => sha256Hex(c.text));
          return { shas, known: await this.repo.vectorsByContent(mv, shas) };
        },
        encode: async ({ shas, known }, batch) => {
          for (const sha of shas) {
            const kept = known.has(sha) ? undefined : recent.find((m) => m.has(sha))?.get(sha);
            if (kept) known.set(sha, kept);
          }
          const toEncode = [...new Set(shas.filter((s) => !known.has(s)))];
          const textBySha = new Map(batch.map((c, i) => [shas[i] as string, c.text]));
          const encoded = await this.encoder.encodeTextsBatch(toEncode.map((s) => textBySha.get(s) as string));
          const fresh = new Map(toEncode.map((s, i) => [s, encoded[i] as Float32Array]));
          for (const [sha, vector] of fresh) known.set(sha, vector);
          recent = [fresh, ...recent].slice(0, 2);
          const items = batch.map((c, i) => ({
            targetId: c.id,
            contentSha256: shas[i] as string,
            vector: known.get(shas[i] as string) as Float32Array,
          }));
          return { items, reused: batch.length - toEncode.length };
        },
        write: async (batch, { items, reused: batchReused }) => {
          await this.repo.save(mv, "CAPTION", items);
          await this.upsert(mv, "CAPTION", items);
          done += batch.length;
          reused += batchReused;
          onProgress?.({ phase: "captions", done, total: Math.max(total, done) });
        },
      },
      signal,
    );
    return { captions: done, reused };
  }

  /**
   * Pending rows in id order, batch by batch through runBatchPipeline. The walk goes by id (`after`)
   * because the batches ahead of the write are not stored yet; when it reaches the end, a walk from the
   * start picks up rows that became pending meanwhile, until one finds none (what the one-batch-at-a-time
   * loop did on every batch).
   */
  private async walkPending<R extends { id: string }, P, E>(
    pending: (after: string | undefined) => Promise<R[]>,
    stages: Omit<BatchPipelineStages<R[], P, E>, "next">,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    for (;;) {
      let after: string | undefined;
      const next = async () => {
        const batch = await pending(after);
        after = batch.at(-1)?.id;
        return batch.length ? batch : null;
      };
      if ((await runBatchPipeline({ ...stages, next }, signal)) === 0) return;
    }
  }

  /** Encodes and stores one image (after an upload). */
  async indexImage(model: ModelRef, image: { id: string; sha256: string; storedPath: string }): Promise<void> {
    const bytes = await this.images.read(image.storedPath);
    const [vector] = await this.encoder.encodeImagesBatch([bytes]);
    const items = [{ targetId: image.id, contentSha256: image.sha256, vector: vector as Float32Array }];
    await this.repo.save(model.modelVersionId, "IMAGE", items);
    await this.upsert(model.modelVersionId, "IMAGE", items);
  }

  /**
   * Encodes and stores one caption (after an edit) and drops vectors of captions no longer current.
   * Encodes the text outside any lock, then writes it only if it is still the caption's current text
   * (see EmbeddingRepository.saveCaptionIfCurrent); when an edit landed meanwhile, the newer text is
   * encoded and tried again, so the stored vector is always the latest revision's.
   */
  async indexCaption(model: ModelRef, caption: { id: string; text: string }): Promise<void> {
    // Read before the lock: the store upsert under it must not need a second pooled connection.
    const payload = (await this.repo.payloads("CAPTION", [caption.id])).get(caption.id);
    let text = caption.text;
    for (let attempt = 1; ; attempt++) {
      const vector = await this.encoder.encodeText(text);
      const item = { targetId: caption.id, contentSha256: sha256Hex(text), vector };
      const result = await this.repo.saveCaptionIfCurrent(model.modelVersionId, item, async () => {
        if (payload) await this.store.upsert(model.modelVersionId, [{ vector, payload }]);
      });
      if (result.status !== "changed") break;
      if (attempt >= MAX_CAPTION_INDEX_ATTEMPTS) {
        throw new MedcapError("CONFLICT", `caption ${caption.id} kept changing while it was re-indexed (${attempt} tries)`);
      }
      text = result.text;
    }
    const stale = await this.repo.staleCaptionTargets(model.modelVersionId);
    if (stale.length) {
      await this.store.delete(model.modelVersionId, "CAPTION", stale);
      await this.repo.deleteTargets(model.modelVersionId, "CAPTION", stale);
    }
  }

  /** Copies the Postgres vectors of these targets into the store (no encoding): `medcap verify --repair`. */
  async restoreToStore(model: ModelRef, kind: EmbeddingKind, targetIds: string[]): Promise<void> {
    const stored = await this.repo.storedContent(model.modelVersionId, kind);
    const items = targetIds.flatMap((targetId) => {
      const row = stored.get(targetId);
      return row ? [{ targetId, vector: row.vector }] : [];
    });
    await this.upsert(model.modelVersionId, kind, items);
  }

  private async upsert(mv: string, kind: "IMAGE" | "CAPTION", items: { targetId: string; vector: Float32Array }[]) {
    const payloads = await this.repo.payloads(
      kind,
      items.map((i) => i.targetId),
    );
    const points = items.flatMap((i) => {
      const payload = payloads.get(i.targetId);
      return payload ? [{ vector: i.vector, payload }] : [];
    });
    await this.store.upsert(mv, points);
  }
}
