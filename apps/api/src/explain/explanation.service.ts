// "Why this match": occlusion sensitivity of the query image and leave-one-word-out weights of the
// caption, for one query image and one target (a library caption, or another library image).
//
// Every encode goes through the encoders' request batchers under the caller's key, in windows of one
// batch: an explanation never holds more than a batch of queue places, so it cannot trip the queue's
// wait bound by itself and other keys keep their round-robin share while it runs.
import { type LruStats, LruMap } from "../core/lru.map.js";
import { getMaxListeners, setMaxListeners } from "node:events";
import type { EmbeddingKind, PrismaClient } from "@medcap/db";
import { MedcapError, notFound } from "../core/errors.js";
import { currentRequestScope } from "../core/request.scope.js";
import type { EncoderService } from "../encoders/encoder.service.js";
import { sha256Hex } from "../core/image.store.js";
import type { ImageQuery as CoreImageQuery, ModelRef } from "../core/retrieval.types.js";
import { explanationKey } from "./explanation.cache.js";
import { cosine } from "../core/cosine.js";
import { renderHeatmap } from "./heatmap.png.js";
import {
  cellRects,
  DEFAULT_GRID,
  type DisplayRect,
  gridCells,
  heatFromDrops,
  MAX_GRID,
  MAX_PATCH,
  MIN_GRID,
  MIN_PATCH,
  occlude,
  patchAround,
} from "./occlusion.js";
import { captionWords, leaveOneOutVariants, type WordWeight, wordWeights } from "./word-weights.js";
import type { DecodedImage } from "../encoders/image.preprocess.js";

/** A query image, with its pixels when the intake already decoded them. */
type ImageQuery = CoreImageQuery<DecodedImage>;

/** How many of the hottest cells `topCells` lists. */
export const TOP_CELLS = 5;

export interface ExplainTarget {
  captionId?: string | null;
  imageId?: string | null;
}

export interface ExplainedCell {
  row: number;
  col: number;
  /** cos(query, target) − cos(query with this cell greyed out, target). */
  drop: number;
  /** drop scaled by the largest drop, clipped at 0: 0..1. */
  heat: number;
  /** The cell on the displayed (original) image, in its pixels. */
  rect: DisplayRect;
}

export interface MatchExplanation {
  grid: number;
  /** Side of the grey patch in cells. */
  patch: number;
  target: { kind: "CAPTION" | "IMAGE"; id: string; text: string | null };
  /** cos(query image, target) without occlusion. */
  similarity: number;
  imageWidth: number;
  imageHeight: number;
  /** The square the model sees, on the displayed image; cells tile it. */
  crop: DisplayRect;
  /** Row-major, grid × grid. */
  cells: ExplainedCell[];
  topCells: ExplainedCell[];
  overlay: { width: number; height: number; png: Buffer };
  /** Caption targets only. */
  words: WordWeight[] | null;
  model: ModelRef;
  imageEncodes: number;
  textEncodes: number;
  computeMs: number;
  cached: boolean;
}

/** The encoder calls an explanation needs (EncoderService satisfies it; unit tests fake it). */
export type ExplainEncoder = Pick<
  EncoderService,
  "preprocessWithSize" | "encodeTensorsQueued" | "encodeTextsQueued" | "imageSpec" | "batchSize" | "info"
>;

export interface ExplanationDeps {
  prisma: PrismaClient;
  encoder: ExplainEncoder;
  /** A stored vector by model version, kind and target id (search/embedding.repository.ts has it). */
  repo: { vectorOf(modelVersionId: string, kind: EmbeddingKind, targetId: string): Promise<Float32Array | undefined> };
  model: ModelRef;
  readImage: (storedPath: string) => Promise<Uint8Array>;
  /** LRU entries (MEDCAP_EXPLAIN_CACHE_SIZE); 0 = off. */
  cacheSize: number;
}

export function checkGrid(grid: number | null | undefined): number {
  const g = grid ?? DEFAULT_GRID;
  if (!Number.isInteger(g) || g < MIN_GRID || g > MAX_GRID) {
    throw new MedcapError("BAD_USER_INPUT", `grid must be an integer between ${MIN_GRID} and ${MAX_GRID} (got ${g})`, {
      minGrid: MIN_GRID,
      maxGrid: MAX_GRID,
    });
  }
  return g;
}

export function checkPatch(patch: number | null | undefined, grid: number): number {
  const p = patch ?? MIN_PATCH;
  const max = Math.min(MAX_PATCH, grid - 1);
  if (!Number.isInteger(p) || p < MIN_PATCH || p > max) {
    throw new MedcapError(
      "BAD_USER_INPUT",
      `patch must be an integer between ${MIN_PATCH} and ${max} cells for a ${grid}×${grid} grid (got ${p})`,
      {
        minPatch: MIN_PATCH,
        maxPatch: max,
      },
    );
  }
  return p;
}

export interface ExplainOptions {
  grid?: number | null;
  patch?: number | null;
}

type Computed = Omit<MatchExplanation, "cached">;

export class ExplanationService {
  private readonly cache: LruMap<string, Computed>;
  /** Identical explanations asked for at once (a double-clicked toggle) share one computation. */
  private readonly inFlight = new Map<string, Promise<Computed>>();

  constructor(private readonly deps: ExplanationDeps) {
    this.cache = new LruMap(deps.cacheSize);
  }

  cacheStats(): LruStats {
    return this.cache.stats();
  }

  async explain(query: ImageQuery, target: ExplainTarget, options: ExplainOptions = {}): Promise<MatchExplanation> {
    const grid = checkGrid(options.grid);
    const patch = checkPatch(options.patch, grid);
    const given = (["captionId", "imageId"] as const).filter((k) => target[k] != null);
    if (given.length !== 1) {
      throw new MedcapError("BAD_USER_INPUT", `set exactly one of captionId, imageId (got ${given.length ? given.join(", ") : "none"})`);
    }
    const { sha256, read } = await this.queryImage(query);
    const resolved = await this.resolveTarget(target);
    const info = this.deps.encoder.info();
    const key = explanationKey({
      imageSha256: sha256,
      target: resolved.key,
      grid,
      patch,
      model: `${info.name}@${info.version}#${info.manifestSha256}`,
    });
    const hit = this.cache.get(key);
    if (hit) return { ...hit, cached: true };
    const computed = await this.shared(key, () => read().then((bytes) => this.compute(bytes, resolved, grid, patch, query.decoded)));
    this.cache.set(key, computed);
    return { ...computed, cached: false };
  }

  /**
   * Identical concurrent calls share one computation. It runs in the request scope of the call that
   * started it, so if that request is cancelled (client gone, request failed) the others must not fail
   * with it: a caller whose own request is still wanted starts the computation again itself.
   */
  private async shared(key: string, run: () => Promise<Computed>): Promise<Computed> {
    for (;;) {
      const joined = this.inFlight.get(key);
      const running =
        joined ??
        run().finally(() => {
          if (this.inFlight.get(key) === running) this.inFlight.delete(key);
        });
      if (!joined) this.inFlight.set(key, running);
      try {
        return await running;
      } catch (err) {
        if (!joined || currentRequestScope()?.signal.aborted) throw err;
        if (this.inFlight.get(key) === joined) this.inFlight.delete(key);
      }
    }
  }

  /** The query's content hash (the cache key) and how to get its bytes: a catalogue image is read only on a miss. */
  private async queryImage(query: ImageQuery): Promise<{ sha256: string; read: () => Promise<Uint8Array> }> {
    if (query.imageId === undefined) {
      const bytes = query.bytes;
      return { sha256: sha256Hex(bytes), read: async () => bytes };
    }
    const image = await this.deps.prisma.image.findUnique({ where: { id: query.imageId }, select: { storedPath: true, sha256: true } });
    if (!image) throw notFound("image", query.imageId);
    return { sha256: image.sha256, read: () => this.deps.readImage(image.storedPath) };
  }

  private async resolveTarget(target: ExplainTarget): Promise<ResolvedTarget> {
    const { prisma, repo, model } = this.deps;
    if (target.captionId != null) {
      const caption = await prisma.caption.findUnique({ where: { id: target.captionId }, select: { id: true, text: true } });
      if (!caption) throw notFound("caption", target.captionId);
      // The text's hash is in the key: an edited caption is a new target.
      return { kind: "CAPTION", id: caption.id, text: caption.text, key: `caption:${caption.id}:${sha256Hex(caption.text)}` };
    }
    const imageId = target.imageId as string;
    const image = await prisma.image.findUnique({ where: { id: imageId }, select: { id: true, sha256: true } });
    if (!image) throw notFound("image", imageId);
    const vector = await repo.vectorOf(model.modelVersionId, "IMAGE", image.id);
    if (!vector)
      throw new MedcapError("NOT_FOUND", `image ${image.id} is not indexed yet; run medcap index`, { what: "image", id: image.id });
    return { kind: "IMAGE", id: image.id, text: null, vector, key: `image:${image.id}:${image.sha256}` };
  }

  private async compute(bytes: Uint8Array, target: ResolvedTarget, grid: number, patch: number, decoded?: DecodedImage): Promise<Computed> {
    const started = performance.now();
    const { encoder } = this.deps;
    const spec = encoder.imageSpec;
    const prepared = await encoder.preprocessWithSize(bytes, decoded);
    const cells = gridCells(spec.size, grid);
    // Text side first when there is one: the target vector is the caption as encoded now, in the
    // same batch as its variants, so every word's drop compares like with like.
    const words = target.kind === "CAPTION" ? captionWords(target.text) : [];
    const variants = target.kind === "CAPTION" ? leaveOneOutVariants(words) : [];
    const textVectors = target.kind === "CAPTION" ? await encoder.encodeTextsQueued([target.text, ...variants]) : [];
    const targetVector = target.kind === "CAPTION" ? (textVectors[0] as Float32Array) : target.vector;

    const images = [prepared.tensor, ...cells.map((c) => occlude(prepared.tensor, spec, patchAround(c, spec.size, grid, patch)))];
    const vectors = await this.encodeInWindows(images);
    const base = vectors[0] as Float32Array;
    const similarity = cosine(base, targetVector);
    const drops = vectors.slice(1).map((v) => similarity - cosine(v, targetVector));
    const heat = heatFromDrops(drops);
    const display = cellRects(prepared.width, prepared.height, spec.size, cells);
    const explained = cells.map(
      (c, i): ExplainedCell => ({
        row: c.row,
        col: c.col,
        drop: drops[i] as number,
        heat: heat[i] as number,
        rect: display.cells[i] as DisplayRect,
      }),
    );
    const topCells = [...explained]
      .filter((c) => c.drop > 0)
      .sort((a, b) => b.drop - a.drop)
      .slice(0, TOP_CELLS);
    const overlay = await renderHeatmap(prepared.width, prepared.height, display.cells, heat);
    const wordsOut =
      target.kind === "CAPTION"
        ? wordWeights(
            words,
            cosine(base, textVectors[0] as Float32Array),
            textVectors.slice(1).map((t) => cosine(base, t)),
          )
        : null;
    return {
      grid,
      patch,
      target: { kind: target.kind, id: target.id, text: target.kind === "CAPTION" ? target.text : null },
      similarity,
      imageWidth: prepared.width,
      imageHeight: prepared.height,
      crop: display.crop,
      cells: explained,
      topCells,
      overlay,
      words: wordsOut,
      model: this.deps.model,
      imageEncodes: images.length,
      textEncodes: textVectors.length,
      computeMs: performance.now() - started,
    };
  }

  /** One batch-sized window at a time; a cancelled request stops between windows. */
  private async encodeInWindows(tensors: Float32Array[]): Promise<Float32Array[]> {
    const window = Math.max(1, this.deps.encoder.batchSize);
    const signal = currentRequestScope()?.signal;
    // Each queued item listens for the request's abort until dispatched: a window is that many listeners.
    if (signal) setMaxListeners(Math.max(getMaxListeners(signal), window + 16), signal);
    const out: Float32Array[] = [];
    for (let i = 0; i < tensors.length; i += window) {
      signal?.throwIfAborted();
      out.push(...(await this.deps.encoder.encodeTensorsQueued(tensors.slice(i, i + window))));
    }
    return out;
  }
}

type ResolvedTarget =
  | { kind: "CAPTION"; id: string; text: string; key: string }
  | { kind: "IMAGE"; id: string; text: null; vector: Float32Array; key: string };
