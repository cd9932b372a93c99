// Retrieval over the active model version: image → captions, text → images, image → images.
import type { PrismaClient } from "@medcap/db";
import { MedcapError, notFound } from "../core/errors.js";
import { normalizeCaptionText } from "../eval/retrieval.metric.js";
import type { EncoderService } from "../encoders/encoder.service.js";
import type { SearchFilter, VectorHit, VectorStore } from "../vectors/vector.store.js";
import {
  type CaptioningOverrides,
  type CaptioningSettings,
  captioningDefaults,
  type ImageNeighbour,
  mergeCaptioning,
  rankCaptions,
  type TextCandidate,
  textShortlist,
} from "./caption.strategy.js";
import { type ConsensusSetting, rerankByConsensus } from "./consensus.rerank.js";
import type { EmbeddingRepository } from "./embedding.repository.js";
import type { IndexService } from "./index.service.js";
import type { CaptionMatch, ImageMatch, ImageQuery, ModelRef, RetrievalPort } from "./search.types.js";

export interface CaptionOptions extends CaptioningOverrides {
  k: number;
  filter?: SearchFilter;
  /**
   * Strategy knobs (strategy, neighbours, temperature, weight) and consensus re-ranking: undefined =
   * the service default (the served model's manifest, then MEDCAP_CAPTION_*); consensus null = off.
   */
  consensus?: ConsensusSetting | null;
  /** The query's own catalogue image: it never votes for its own caption. */
  queryImageId?: string;
}

const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

export class SearchService implements RetrievalPort {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly encoder: EncoderService,
    private readonly store: VectorStore,
    private readonly repo: EmbeddingRepository,
    private readonly indexer: IndexService,
    readonly model: ModelRef,
    /** Applied to captionImage unless a call says otherwise (manifest `captioning`, then MEDCAP_CAPTION_*). */
    readonly captioning: CaptioningSettings = captioningDefaults(undefined),
  ) {}

  captioningDefaults(): CaptioningSettings {
    return this.captioning;
  }

  /** The settings one captioning call runs with: the service defaults overridden by the call's knobs. */
  captioningFor(options: CaptioningOverrides): CaptioningSettings {
    const { strategy, neighbours, temperature, weight, consensus } = options;
    return mergeCaptioning(this.captioning, { strategy, neighbours, temperature, weight, consensus });
  }

  /** The query vector: the stored vector of a catalogue image, or the encoding of uploaded bytes. */
  async imageVector(query: ImageQuery): Promise<{ vector: Float32Array; imageId?: string; caseId?: string }> {
    if (query.imageId !== undefined) {
      const image = await this.prisma.image.findUnique({ where: { id: query.imageId }, select: { id: true, caseId: true } });
      if (!image) throw notFound("image", query.imageId);
      const stored = await this.repo.vectorOf(this.model.modelVersionId, "IMAGE", image.id);
      if (!stored) throw new MedcapError("NOT_FOUND", `image ${image.id} is not indexed yet; run medcap index`);
      return { vector: stored, imageId: image.id, caseId: image.caseId };
    }
    return { vector: await this.encoder.encodeImage(query.bytes) };
  }

  async captionImage(query: ImageQuery, options: CaptionOptions): Promise<CaptionMatch[]> {
    const { vector, imageId } = await this.imageVector(query);
    return this.captionsForVector(vector, { ...options, queryImageId: options.queryImageId ?? imageId });
  }

  /** Ranks library captions for a query vector with the strategy of the shared spec (caption.strategy.ts). */
  async captionsForVector(vector: Float32Array, options: CaptionOptions): Promise<CaptionMatch[]> {
    const settings = this.captioningFor(options);
    const consensus = settings.consensus;
    const want = Math.max(options.k, consensus?.candidates ?? 0);
    const shortlist = await this.textShortlist(vector, textShortlist(want), options.filter);
    const neighbours =
      settings.strategy === "text" ? [] : await this.neighbourImages(vector, settings.neighbours, options.filter, options.queryImageId);
    const extra = settings.strategy === "text" ? new Map() : await this.neighbourCandidates(vector, neighbours, shortlist);
    const ranked = rankCaptions(settings, shortlist, neighbours, (t) => extra.get(t), options.queryImageId);
    let matches = ranked.map((r): CaptionMatch => {
      // Provenance: the neighbour images that voted for the text first (they are why it was chosen),
      // then every other image in the library that carries it.
      const imageIds = [...new Set([...r.supportingImages.map((s) => s.imageId), ...r.imageIds])];
      const caseIds = [...new Set([...r.supportingImages.map((s) => s.caseId), ...r.caseIds])];
      return {
        text: r.text,
        score: r.score,
        similarity: r.cosine,
        vote: r.vote,
        strategy: settings.strategy,
        supportingImages: r.supportingImages,
        captionIds: r.captionIds,
        imageIds,
        caseIds,
        model: this.model,
      };
    });
    if (consensus && matches.length > 1) matches = rerankByConsensus(matches.slice(0, want), consensus);
    return matches.slice(0, options.k);
  }

  /** The top-n distinct caption texts by cosine. Rows repeat texts, so fetch until n distinct are seen. */
  private async textShortlist(vector: Float32Array, n: number, filter: SearchFilter | undefined): Promise<TextCandidate[]> {
    let fetch = n * 8 + 32;
    for (;;) {
      const hits = await this.store.search(this.model.modelVersionId, vector, { kind: "CAPTION", k: fetch, filter });
      const grouped = this.groupByText(hits, await this.captionTexts(hits));
      if (grouped.length >= n || hits.length < fetch) return grouped.slice(0, n);
      fetch *= 4;
    }
  }

  /** The K nearest library images under the same filter as the captions, with their current caption. */
  private async neighbourImages(
    vector: Float32Array,
    k: number,
    filter: SearchFilter | undefined,
    queryImageId: string | undefined,
  ): Promise<(ImageNeighbour & { captionId: string | null })[]> {
    const hits = await this.store.search(this.model.modelVersionId, vector, {
      kind: "IMAGE",
      k,
      filter,
      excludeTargetIds: queryImageId ? [queryImageId] : undefined,
    });
    const captions = await this.prisma.caption.findMany({
      where: { imageId: { in: hits.map((h) => h.payload.imageId) }, isCurrent: true },
      select: { id: true, imageId: true, text: true },
    });
    const byImage = new Map(captions.map((c) => [c.imageId, c]));
    return hits.map((h) => {
      const c = byImage.get(h.payload.imageId);
      return {
        imageId: h.payload.imageId,
        caseId: h.payload.caseId,
        similarity: h.score,
        text: c ? normalizeCaptionText(c.text) : null,
        captionId: c?.id ?? null,
      };
    });
  }

  /** Neighbour captions outside the text shortlist, with their own cosine cos(q, t_c). */
  private async neighbourCandidates(
    vector: Float32Array,
    neighbours: (ImageNeighbour & { captionId: string | null })[],
    shortlist: TextCandidate[],
  ): Promise<Map<string, TextCandidate>> {
    const known = new Set(shortlist.map((c) => c.text));
    const out = new Map<string, TextCandidate>();
    for (const n of neighbours) {
      if (n.text === null || n.captionId === null || known.has(n.text)) continue;
      let c = out.get(n.text);
      if (!c) {
        const t = await this.repo.vectorOf(this.model.modelVersionId, "CAPTION", n.captionId);
        if (!t) continue; // not indexed under this model yet
        c = { text: n.text, cosine: dot(vector, t), captionIds: [], imageIds: [], caseIds: [] };
        out.set(n.text, c);
      }
      c.captionIds.push(n.captionId);
      if (!c.imageIds.includes(n.imageId)) c.imageIds.push(n.imageId);
      if (!c.caseIds.includes(n.caseId)) c.caseIds.push(n.caseId);
    }
    return out;
  }

  async searchImages(text: string, options: { k: number; filter?: SearchFilter }): Promise<ImageMatch[]> {
    if (!text.trim()) throw new MedcapError("BAD_USER_INPUT", "search text is empty");
    const vector = await this.encoder.encodeText(text);
    const hits = await this.store.search(this.model.modelVersionId, vector, { kind: "IMAGE", k: options.k, filter: options.filter });
    return hits.map((h) => this.imageMatch(h));
  }

  async similarImages(query: ImageQuery, options: { k: number; filter?: SearchFilter; excludeSameCase?: boolean }): Promise<ImageMatch[]> {
    const q = await this.imageVector(query);
    const filter: SearchFilter = { ...options.filter };
    if (options.excludeSameCase && q.caseId) filter.excludeCaseIds = [...(filter.excludeCaseIds ?? []), q.caseId];
    const hits = await this.store.search(this.model.modelVersionId, q.vector, {
      kind: "IMAGE",
      k: options.k,
      filter,
      excludeTargetIds: q.imageId ? [q.imageId] : undefined,
    });
    return hits.map((h) => this.imageMatch(h));
  }

  async reindexCaption(captionId: string): Promise<void> {
    const caption = await this.prisma.caption.findUnique({ where: { id: captionId }, select: { id: true, text: true } });
    if (!caption) throw notFound("caption", captionId);
    await this.indexer.indexCaption(this.model, caption);
  }

  async indexImage(imageId: string): Promise<void> {
    const image = await this.prisma.image.findUnique({
      where: { id: imageId },
      select: { id: true, sha256: true, storedPath: true, captions: { where: { isCurrent: true }, select: { id: true, text: true } } },
    });
    if (!image) throw notFound("image", imageId);
    await this.indexer.indexImage(this.model, image);
    for (const c of image.captions) await this.indexer.indexCaption(this.model, c);
  }

  private imageMatch(h: VectorHit): ImageMatch {
    return { imageId: h.payload.imageId, caseId: h.payload.caseId, score: h.score, model: this.model };
  }

  private async captionTexts(hits: VectorHit[]): Promise<Map<string, string>> {
    const rows = await this.prisma.caption.findMany({
      where: { id: { in: hits.map((h) => h.payload.targetId) } },
      select: { id: true, text: true },
    });
    return new Map(rows.map((r) => [r.id, r.text]));
  }

  private groupByText(hits: VectorHit[], texts: Map<string, string>): TextCandidate[] {
    const byText = new Map<string, TextCandidate>();
    for (const h of hits) {
      const raw = texts.get(h.payload.targetId);
      if (raw === undefined) continue; // edited away since it was indexed
      // Distinct texts after whitespace normalisation: MedPix repeats captions with stray spaces.
      const key = normalizeCaptionText(raw);
      let m = byText.get(key);
      if (!m) {
        m = { text: key, cosine: h.score, captionIds: [], imageIds: [], caseIds: [] };
        byText.set(key, m);
      }
      m.cosine = Math.max(m.cosine, h.score);
      m.captionIds.push(h.payload.targetId);
      if (!m.imageIds.includes(h.payload.imageId)) m.imageIds.push(h.payload.imageId);
      if (!m.caseIds.includes(h.payload.caseId)) m.caseIds.push(h.payload.caseId);
    }
    return [...byText.values()].sort((a, b) => b.cosine - a.cosine);
  }
}
