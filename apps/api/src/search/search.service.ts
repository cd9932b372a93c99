// Retrieval over the active model version: image → captions, text → images, image → images.
import type { PrismaClient } from "@medcap/db";
import type { AttributePrediction } from "../attributes/attribute.prediction.js";
import {
  type AttributePrior,
  agrees,
  categoriesOf,
  contradicted,
  type ImageAttributes,
  penaltyFor,
  type Restriction,
  restrictionFor,
} from "../attributes/attribute.prior.js";
import { MedcapError, notFound } from "../core/errors.js";
import { addStage, currentStageTimes, timed, timedSync } from "../core/stage.timer.js";
import { normalizeCaptionText } from "../scoring/retrieval.metric.js";
import type { EncoderService } from "../encoders/encoder.service.js";
import { LruMap, type LruStats } from "../core/lru.map.js";
import type { ExplainOptions, ExplainTarget, ExplanationService, MatchExplanation } from "../explain/explanation.service.js";
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
import { type ConsensusSetting, ConsensusTokenCache, rerankByConsensus } from "./consensus.rerank.js";
import type { EmbeddingRepository } from "./embedding.repository.js";
import type { IndexService } from "./index.service.js";
import type { CaptionMatch, ImageClassification, ImageMatch, ImageQuery, ModelRef, RetrievalPort } from "./search.types.js";

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
  /** The query's predicted attributes (models with heads); with the attribute prior they restrict the candidates. */
  attributes?: AttributePrediction[] | null;
  /** false turns the attribute prior off for this call; default on where the model has one. */
  attributePrior?: boolean;
}

/** How the attribute prior (issue #24) is configured for this service: the served model's CV choice. */
export interface AttributePriors {
  captioning?: AttributePrior | null;
  similarImages?: AttributePrior | null;
  /** The grouping of location categories the predictions use; default: the served model's (its manifest). */
  regionGroups?: Readonly<Record<string, string>>;
  /** Reads a catalogue image's stored bytes (the attributes of an `imageId` query are computed, not stored). */
  readImage?: (storedPath: string) => Promise<Uint8Array>;
}

/** Vector-store payload → what the prior compares. */
const imageAttributes = (p: { dataset: string; locationCategory: string | null; modality: string }): ImageAttributes => ({
  dataset: p.dataset,
  locationCategory: p.locationCategory,
  modality: p.modality,
});

/** A neighbour image with its current caption and that caption's vector (null where not indexed yet). */
type Neighbour = ImageNeighbour & { captionId: string | null; captionVector: Float32Array | null };

const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

export class SearchService implements RetrievalPort {
  /** Library captions' tokens for consensus re-ranking, kept across calls (keyed by text: edits cannot go stale). */
  private readonly consensusTokens = new ConsensusTokenCache();
  /** Whitespace-normalised caption texts by raw text: every query groups hundreds of the same library rows. */
  private readonly normalised = new LruMap<string, string>(100_000);

  constructor(
    private readonly prisma: PrismaClient,
    private readonly encoder: EncoderService,
    private readonly store: VectorStore,
    private readonly repo: EmbeddingRepository,
    private readonly indexer: IndexService,
    readonly model: ModelRef,
    /** Applied to captionImage unless a call says otherwise (manifest `captioning`, then MEDCAP_CAPTION_*). */
    readonly captioning: CaptioningSettings = captioningDefaults(undefined),
    /** Occlusion maps and word weights (explain/), built over the same encoder, store and model. */
    private readonly explainer?: ExplanationService,
    private readonly priors: AttributePriors = {},
  ) {}

  /** The attribute priors this service applies by default (null where the model has none). */
  attributePriors(): { captioning: AttributePrior | null; similarImages: AttributePrior | null } {
    return { captioning: this.priors.captioning ?? null, similarImages: this.priors.similarImages ?? null };
  }

  /** "Why this match" for a query image and one target; OVERLOADED when this core was built without an explainer. */
  explainMatch(query: ImageQuery, target: ExplainTarget, options: ExplainOptions): Promise<MatchExplanation> {
    if (!this.explainer) throw new MedcapError("OVERLOADED", "explanations are not available on this server");
    return this.explainer.explain(query, target, options);
  }

  /** Hits and misses of the explanation cache (for /metrics); undefined without an explainer. */
  explainCacheStats(): LruStats | undefined {
    return this.explainer?.cacheStats();
  }

  captioningDefaults(): CaptioningSettings {
    return this.captioning;
  }

  /** The settings one captioning call runs with: the service defaults overridden by the call's knobs. */
  captioningFor(options: CaptioningOverrides): CaptioningSettings {
    const { strategy, neighbours, temperature, weight, consensus } = options;
    return mergeCaptioning(this.captioning, { strategy, neighbours, temperature, weight, consensus });
  }

  /**
   * The query vector: the stored vector of a catalogue image, or the encoding of uploaded bytes; with
   * `withAttributes` (and a model with heads) also the query's predicted attributes — for a catalogue
   * image by running its stored file through the image graph once.
   */
  async imageVector(
    query: ImageQuery,
    withAttributes = false,
  ): Promise<{ vector: Float32Array; imageId?: string; caseId?: string; attributes: AttributePrediction[] | null }> {
    const wantAttributes = withAttributes && this.encoder.hasAttributes;
    if (query.imageId !== undefined) {
      const image = await this.prisma.image.findUnique({
        where: { id: query.imageId },
        select: { id: true, caseId: true, storedPath: true },
      });
      if (!image) throw notFound("image", query.imageId);
      const stored = await this.repo.vectorOf(this.model.modelVersionId, "IMAGE", image.id);
      if (!stored) throw new MedcapError("NOT_FOUND", `image ${image.id} is not indexed yet; run medcap index`);
      const attributes = wantAttributes ? await this.storedImageAttributes(image.storedPath) : null;
      return { vector: stored, imageId: image.id, caseId: image.caseId, attributes };
    }
    if (!wantAttributes) return { vector: await this.encoder.encodeImage(query.bytes, query.decoded), attributes: null };
    const { embedding, attributes } = await this.encoder.encodeImageWithInfo(query.bytes, query.decoded);
    return { vector: embedding, attributes };
  }

  /**
   * A catalogue image's predicted attributes (its stored file through the image graph), for callers that
   * already hold its vector (evaluation, the caption audit); null when the model has no heads.
   */
  async catalogueImageAttributes(imageId: string): Promise<AttributePrediction[] | null> {
    if (!this.encoder.hasAttributes) return null;
    const image = await this.prisma.image.findUnique({ where: { id: imageId }, select: { storedPath: true } });
    if (!image) throw notFound("image", imageId);
    return this.storedImageAttributes(image.storedPath);
  }

  private async storedImageAttributes(storedPath: string): Promise<AttributePrediction[] | null> {
    if (!this.priors.readImage) return null;
    return (await this.encoder.encodeImageWithInfo(await this.priors.readImage(storedPath))).attributes;
  }

  /** The query image's predicted attributes (classifyImage); CONFLICT when the model has no heads. */
  async classifyImage(query: ImageQuery): Promise<ImageClassification> {
    if (!this.encoder.hasAttributes) {
      throw new MedcapError("CONFLICT", `${this.model.name} ${this.model.version} has no attribute heads; serve medcap-base-v3 or later`);
    }
    const { attributes } = await this.imageVector(query, true);
    if (!attributes) throw new MedcapError("OVERLOADED", "the stored image could not be read for classification");
    return { attributes, model: this.model };
  }

  async captionImage(query: ImageQuery, options: CaptionOptions): Promise<CaptionMatch[]> {
    const { vector, imageId, attributes } = await this.imageVector(query, true);
    return this.captionsForVector(vector, { ...options, attributes, queryImageId: options.queryImageId ?? imageId });
  }

  /** The restriction one call runs under: the model's prior unless the call turns it off. */
  private restriction(attributes: AttributePrediction[] | null | undefined, prior: AttributePrior | null | undefined, on?: boolean) {
    return on === false ? null : restrictionFor(attributes, prior, this.priors.regionGroups ?? this.encoder.regionGroups);
  }

  /** The filter that keeps only candidates agreeing with every constraint (ANDed with the call's own). */
  private agreeingFilter(restriction: Restriction, filter: SearchFilter | undefined): SearchFilter {
    const out: SearchFilter = { ...filter };
    for (const c of restriction.constraints) {
      if (c.attribute === "modality") out.modalities = [c.label.toUpperCase() as NonNullable<SearchFilter["modalities"]>[number]];
      else out.locationCategories = categoriesOf(restriction, c.label);
    }
    return out;
  }

  /** Ranks library captions for a query vector with the strategy of the shared spec (caption.strategy.ts). */
  async captionsForVector(vector: Float32Array, options: CaptionOptions): Promise<CaptionMatch[]> {
    const settings = this.captioningFor(options);
    const consensus = settings.consensus;
    const want = Math.max(options.k, consensus?.candidates ?? 0);
    const restriction = this.restriction(options.attributes, this.priors.captioning, options.attributePrior);
    const seen = new Map<string, ImageAttributes>();
    // Candidates that agree with the prediction may sit below the unfiltered shortlist: fetch them too,
    // so the prior ranks over every caption that could reach the top (the toolkit ranks the whole library).
    // The two shortlists share one caption-text query (their hits overlap), and the neighbour images
    // (another search and its own query) are fetched beside them, not after them.
    const filters = restriction ? [options.filter, this.agreeingFilter(restriction, options.filter)] : [options.filter];
    const [[unfiltered = [], agreeing], neighbours] = await Promise.all([
      this.textShortlists(vector, textShortlist(want), filters, seen),
      settings.strategy === "text"
        ? Promise.resolve([])
        : this.neighbourImages(vector, settings.neighbours, options.filter, options.queryImageId, seen),
    ]);
    let shortlist = unfiltered;
    if (agreeing) {
      const known = new Set(shortlist.map((c) => c.text));
      shortlist = [...shortlist, ...agreeing.filter((c) => !known.has(c.text))];
    }
    const extra = this.neighbourCandidates(vector, neighbours, shortlist);
    const strategyStarted = performance.now();
    const ranked = rankCaptions(settings, shortlist, neighbours, (t) => extra.get(t), options.queryImageId);
    let matches = ranked.map((r): CaptionMatch => {
      // Provenance: the neighbour images that voted for the text first (they are why it was chosen),
      // then every other image in the library that carries it; under a restriction, the images that
      // agree with it first (stable otherwise).
      let imageIds = [...new Set([...r.supportingImages.map((s) => s.imageId), ...r.imageIds])];
      const caseIds = [...new Set([...r.supportingImages.map((s) => s.caseId), ...r.caseIds])];
      const attrs = imageIds.map((id) => seen.get(id)).filter((a): a is ImageAttributes => a !== undefined);
      const contradicts = contradicted(restriction, attrs);
      if (restriction) {
        const ok = (id: string) => {
          const a = seen.get(id);
          return a !== undefined && agrees(restriction, a);
        };
        imageIds = [...imageIds.filter(ok), ...imageIds.filter((id) => !ok(id))];
      }
      return {
        text: r.text,
        score: r.score - penaltyFor(restriction, contradicts),
        similarity: r.cosine,
        vote: r.vote,
        strategy: settings.strategy,
        supportingImages: r.supportingImages,
        captionIds: r.captionIds,
        imageIds,
        caseIds,
        model: this.model,
        queryAttributes: options.attributes ?? null,
        restriction,
        contradicts,
      };
    });
    // The same order rankCaptions uses (score, then cosine, then text), after the prior's penalties.
    if (restriction)
      matches.sort((a, b) => b.score - a.score || b.similarity - a.similarity || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    addStage(currentStageTimes(), "captionStrategy", performance.now() - strategyStarted);
    if (consensus && matches.length > 1) {
      const top = matches.slice(0, want);
      matches = timedSync("consensus", () => rerankByConsensus(top, consensus, this.consensusTokens));
    }
    // Demoted captions rank below every agreeing one, but show their own score, not the stand-in penalty.
    return matches
      .slice(0, options.k)
      .map((m) =>
        m.contradicts?.length && restriction?.penalty === null ? { ...m, score: m.score + penaltyFor(restriction, m.contradicts) } : m,
      );
  }

  /**
   * For each filter, the top-n distinct caption texts by cosine. Rows repeat texts, so each search
   * fetches until n distinct are seen; the searches of one round share one caption-text query.
   */
  private async textShortlists(
    vector: Float32Array,
    n: number,
    filters: (SearchFilter | undefined)[],
    seen: Map<string, ImageAttributes>,
  ): Promise<TextCandidate[][]> {
    const out: TextCandidate[][] = filters.map(() => []);
    const texts = new Map<string, string>();
    let pending = filters.map((filter, i) => ({ i, filter, fetch: n * 8 + 32 }));
    while (pending.length) {
      const rounds = await Promise.all(
        pending.map(async (p) => ({
          ...p,
          hits: await this.store.search(this.model.modelVersionId, vector, { kind: "CAPTION", k: p.fetch, filter: p.filter }),
        })),
      );
      const missing = new Set<string>();
      for (const { hits } of rounds) {
        for (const h of hits) {
          seen.set(h.payload.imageId, imageAttributes(h.payload));
          if (!texts.has(h.payload.targetId)) missing.add(h.payload.targetId);
        }
      }
      for (const [id, text] of await this.captionTexts([...missing])) texts.set(id, text);
      pending = [];
      for (const r of rounds) {
        const grouped = timedSync("captionStrategy", () => this.groupByText(r.hits, texts));
        if (grouped.length >= n || r.hits.length < r.fetch) out[r.i] = grouped.slice(0, n);
        else pending.push({ i: r.i, filter: r.filter, fetch: r.fetch * 4 });
      }
    }
    return out;
  }

  /** The K nearest library images under the same filter as the captions, with their current caption and its vector. */
  private async neighbourImages(
    vector: Float32Array,
    k: number,
    filter: SearchFilter | undefined,
    queryImageId: string | undefined,
    seen: Map<string, ImageAttributes>,
  ): Promise<Neighbour[]> {
    const hits = await this.store.search(this.model.modelVersionId, vector, {
      kind: "IMAGE",
      k,
      filter,
      excludeTargetIds: queryImageId ? [queryImageId] : undefined,
    });
    for (const h of hits) seen.set(h.payload.imageId, imageAttributes(h.payload));
    const captions = await timed("captionRows", () =>
      this.repo.currentCaptionsWithVectors(
        this.model.modelVersionId,
        hits.map((h) => h.payload.imageId),
      ),
    );
    const byImage = new Map(captions.map((c) => [c.imageId, c]));
    return hits.map((h) => {
      const c = byImage.get(h.payload.imageId);
      return {
        imageId: h.payload.imageId,
        caseId: h.payload.caseId,
        similarity: h.score,
        text: c ? this.normalisedText(c.text) : null,
        captionId: c?.id ?? null,
        captionVector: c?.vector ?? null,
      };
    });
  }

  /** Neighbour captions outside the text shortlist, with their own cosine cos(q, t_c). */
  private neighbourCandidates(vector: Float32Array, neighbours: Neighbour[], shortlist: TextCandidate[]): Map<string, TextCandidate> {
    const known = new Set(shortlist.map((c) => c.text));
    const out = new Map<string, TextCandidate>();
    for (const n of neighbours) {
      if (n.text === null || n.captionId === null || known.has(n.text)) continue;
      let c = out.get(n.text);
      if (!c) {
        if (!n.captionVector) continue; // not indexed under this model yet
        c = { text: n.text, cosine: dot(vector, n.captionVector), captionIds: [], imageIds: [], caseIds: [] };
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

  async similarImages(
    query: ImageQuery,
    options: { k: number; filter?: SearchFilter; excludeSameCase?: boolean; attributePrior?: boolean },
  ): Promise<ImageMatch[]> {
    const q = await this.imageVector(query, true);
    const filter: SearchFilter = { ...options.filter };
    if (options.excludeSameCase && q.caseId) filter.excludeCaseIds = [...(filter.excludeCaseIds ?? []), q.caseId];
    return this.similarForVector(q.vector, { ...options, filter, attributes: q.attributes, queryImageId: q.imageId });
  }

  /**
   * The nearest library images to a query vector; under the attribute prior, images that contradict a
   * confident prediction lose its penalty (agreeing images below the unfiltered top k are fetched too).
   */
  async similarForVector(
    vector: Float32Array,
    options: {
      k: number;
      filter?: SearchFilter;
      attributes?: AttributePrediction[] | null;
      attributePrior?: boolean;
      queryImageId?: string;
    },
  ): Promise<ImageMatch[]> {
    const attributes = options.attributes ?? null;
    const request = { kind: "IMAGE" as const, k: options.k, excludeTargetIds: options.queryImageId ? [options.queryImageId] : undefined };
    const hits = await this.store.search(this.model.modelVersionId, vector, { ...request, filter: options.filter });
    const restriction = this.restriction(attributes, this.priors.similarImages, options.attributePrior);
    if (!restriction) return hits.map((h) => this.imageMatch(h, attributes, null, []));
    const agreeing = await this.store.search(this.model.modelVersionId, vector, {
      ...request,
      filter: this.agreeingFilter(restriction, options.filter),
    });
    const byId = new Map([...hits, ...agreeing].map((h) => [h.payload.targetId, h]));
    return [...byId.values()]
      .map((h) => {
        const contradicts = contradicted(restriction, [imageAttributes(h.payload)]);
        return { ...this.imageMatch(h, attributes, restriction, contradicts), score: h.score - penaltyFor(restriction, contradicts) };
      })
      .sort((a, b) => b.score - a.score || (a.imageId < b.imageId ? -1 : 1))
      .slice(0, options.k)
      .map((m) => (m.contradicts?.length && restriction.penalty === null ? { ...m, score: m.similarity ?? m.score } : m));
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

  private imageMatch(
    h: VectorHit,
    queryAttributes: AttributePrediction[] | null = null,
    restriction: Restriction | null = null,
    contradicts: string[] = [],
  ): ImageMatch {
    return {
      imageId: h.payload.imageId,
      caseId: h.payload.caseId,
      score: h.score,
      similarity: h.score,
      model: this.model,
      queryAttributes,
      restriction,
      contradicts,
    };
  }

  private async captionTexts(ids: string[]): Promise<Map<string, string>> {
    const rows = await timed("captionRows", () => this.repo.captionTexts(ids));
    return new Map(rows.map((r) => [r.id, r.text]));
  }

  /** normalizeCaptionText, remembered (keyed by the raw text itself, so an edited caption cannot be served stale). */
  private normalisedText(raw: string): string {
    return this.normalised.getOrSet(raw, normalizeCaptionText);
  }

  private groupByText(hits: VectorHit[], texts: Map<string, string>): TextCandidate[] {
    const byText = new Map<string, TextCandidate>();
    for (const h of hits) {
      const raw = texts.get(h.payload.targetId);
      if (raw === undefined) continue; // edited away since it was indexed
      // Distinct texts after whitespace normalisation: MedPix repeats captions with stray spaces.
      const key = this.normalisedText(raw);
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
