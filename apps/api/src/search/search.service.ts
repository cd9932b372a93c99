// Retrieval over the active model version: image → captions, text → images, image → images.
import type { PrismaClient } from "@medcap/db";
import { MedcapError, notFound } from "../core/errors.js";
import { normalizeCaptionText } from "../eval/retrieval.metric.js";
import type { EncoderService } from "../encoders/encoder.service.js";
import type { VectorHit, VectorStore } from "../vectors/vector.store.js";
import { type ConsensusSetting, rerankByConsensus } from "./consensus.rerank.js";
import type { EmbeddingRepository } from "./embedding.repository.js";
import type { IndexService } from "./index.service.js";
import type { CaptionMatch, ImageMatch, ImageQuery, ModelRef, RetrievalPort, SearchFilter } from "./search.types.js";

export interface CaptionOptions {
  k: number;
  filter?: SearchFilter;
  /** Consensus re-ranking of the top candidates: undefined = the service default, null = off. */
  consensus?: ConsensusSetting | null;
}

export class SearchService implements RetrievalPort {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly encoder: EncoderService,
    private readonly store: VectorStore,
    private readonly repo: EmbeddingRepository,
    private readonly indexer: IndexService,
    readonly model: ModelRef,
    /** Applied to captionImage unless a call says otherwise (MEDCAP_CAPTION_CONSENSUS). */
    readonly defaultConsensus: ConsensusSetting | null = null,
  ) {}

  consensusFor(requested: ConsensusSetting | null | undefined): ConsensusSetting | null {
    return requested === undefined ? this.defaultConsensus : requested;
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
    const { vector } = await this.imageVector(query);
    return this.captionsForVector(vector, options);
  }

  async captionsForVector(vector: Float32Array, options: CaptionOptions): Promise<CaptionMatch[]> {
    const consensus = this.consensusFor(options.consensus);
    const want = Math.max(options.k, consensus?.candidates ?? 0);
    // Over-fetch: many caption rows share a text, and the answer is distinct texts.
    const hits = await this.store.search(this.model.modelVersionId, vector, { kind: "CAPTION", k: want * 8 + 32, filter: options.filter });
    let matches = this.groupByText(hits, await this.captionTexts(hits));
    if (consensus && matches.length > 1) matches = rerankByConsensus(matches.slice(0, want), consensus);
    return matches.slice(0, options.k);
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

  private groupByText(hits: VectorHit[], texts: Map<string, string>): CaptionMatch[] {
    const byText = new Map<string, CaptionMatch>();
    for (const h of hits) {
      const raw = texts.get(h.payload.targetId);
      if (raw === undefined) continue; // edited away since it was indexed
      // Distinct texts after whitespace normalisation: MedPix repeats captions with stray spaces.
      const key = normalizeCaptionText(raw);
      let m = byText.get(key);
      if (!m) {
        m = { text: key, score: h.score, captionIds: [], imageIds: [], caseIds: [], model: this.model };
        byText.set(key, m);
      }
      m.score = Math.max(m.score, h.score);
      m.captionIds.push(h.payload.targetId);
      if (!m.imageIds.includes(h.payload.imageId)) m.imageIds.push(h.payload.imageId);
      if (!m.caseIds.includes(h.payload.caseId)) m.caseIds.push(h.payload.caseId);
    }
    return [...byText.values()].sort((a, b) => b.score - a.score);
  }
}
