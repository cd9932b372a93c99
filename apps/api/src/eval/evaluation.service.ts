// The three evaluation protocols of DESIGN.md, named exactly: `retrieval`, `caption-library`,
// `seed-template`. Each run is stored as an EvaluationRun and returns every item's prediction
// next to its references, so any run can be re-scored independently. The CLI and the GraphQL
// job queue both call this service.
import type { PrismaClient, Split } from "@medcap/db";
import { MedcapError } from "../core/errors.js";
import type { Retrieval } from "../search/retrieval.js";
import type { CaptioningOverrides } from "../search/caption.strategy.js";
import { formatConsensus } from "../search/consensus.rerank.js";
import { seededRandom } from "../core/seeded.random.js";
import { ALL_OF_TOP, type AgreementQuery, type AnatomyAttrs, anatomyAgreement, anatomyAttrs } from "./anatomy.agreement.js";
import { bootstrapMeanInterval } from "./bootstrap.interval.js";
import { PROTOCOLS, type Protocol } from "./eval.protocols.js";
import { type CaptionItem, type CaptionScores, scoreCaptions } from "../scoring/caption.scorer.js";
import { ptbTokenize } from "../scoring/ptb.tokenizer.js";
import { sentenceRougeL } from "../scoring/rouge.metric.js";
import { buildRelevance, hitsAt, normalizeCaptionText, ranksFromSimilarity, summarizeRanks } from "../scoring/retrieval.metric.js";

/**
 * caption-library takes the captioning knobs of the shared spec (strategy, neighbours, temperature,
 * weight, consensus): undefined = the served model's defaults, consensus null = off.
 */
export interface EvaluationOptions extends CaptioningOverrides {
  protocol: Protocol;
  split: Split;
  /** Restrict to one dataset (default: every dataset). */
  dataset?: string;
  seed?: number;
  onProgress?: (fraction: number, message: string) => void;
  jobId?: string;
  /**
   * The attribute prior (issue #24) in caption-library captions and retrieval's image → image top-1:
   * default on where the served model has attribute heads and a prior, as captionImage answers; false = off.
   */
  attributePrior?: boolean;
}

export interface EvaluationResult {
  runId: string;
  protocol: Protocol;
  split: Split;
  model: { name: string; version: string };
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  items: Record<string, unknown>[];
}

interface EvalImage {
  imageId: string;
  caseId: string;
  caption: string;
  vector: Float32Array;
  template: string;
}

const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

/** The seed notebook's metadata caption. */
export function templatedCaption(m: {
  plane: string | null;
  modality: string;
  location: string | null;
  category: string | null;
  age: number | null;
  sex: string | null;
  diagnosis: string | null;
}): string {
  const kind = m.modality === "MR" ? "MR" : m.modality === "CT" ? "CT" : m.modality;
  return `a ${m.plane ?? "unknown"} plane ${kind} scan of ${m.location ?? "unknown"} ${m.category ?? "unknown"} on a ${m.age ?? "unknown"} year old ${m.sex ?? "unknown"} depicting ${m.diagnosis ?? "unknown"}`
    .replace(/\s+/g, " ")
    .trim();
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
const roundScores = (s: CaptionScores) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v)]));

export class EvaluationService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly retrieval: Retrieval,
  ) {}

  /** Whether this run applies the attribute prior: the model has heads and a prior, and the run did not turn it off. */
  private priorOn(options: EvaluationOptions, which: "captioning" | "similarImages"): boolean {
    const priors = this.retrieval.search.attributePriors();
    return options.attributePrior !== false && this.retrieval.encoder.hasAttributes && priors[which] !== null;
  }

  private async loadSplit(split: Split, dataset: string | undefined, withVectors: boolean): Promise<EvalImage[]> {
    const images = await this.prisma.image.findMany({
      where: { case: { split, ...(dataset ? { dataset: { name: dataset } } : {}) } },
      select: {
        id: true,
        caseId: true,
        modality: true,
        plane: true,
        location: true,
        patientAge: true,
        patientSex: true,
        captions: { where: { isCurrent: true }, select: { text: true }, take: 1 },
        case: { select: { category: true, caseDiagnosis: true } },
      },
      orderBy: { externalId: "asc" },
    });
    const mv = this.retrieval.model.modelVersionId;
    const vectors = withVectors
      ? new Map(
          (await Promise.all(images.map(async (i) => [i.id, await this.retrieval.repo.vectorOf(mv, "IMAGE", i.id)] as const))).filter(
            (e): e is readonly [string, Float32Array] => e[1] !== undefined,
          ),
        )
      : new Map<string, Float32Array>();
    const out: EvalImage[] = [];
    for (const i of images) {
      const caption = i.captions[0]?.text;
      const vector = vectors.get(i.id);
      if (!caption || (withVectors && !vector)) continue;
      out.push({
        imageId: i.id,
        caseId: i.caseId,
        caption,
        vector: vector ?? new Float32Array(),
        template: templatedCaption({
          plane: i.plane,
          modality: i.modality,
          location: i.location,
          category: i.case.category,
          age: i.patientAge,
          sex: i.patientSex,
          diagnosis: i.case.caseDiagnosis,
        }),
      });
    }
    if (!out.length)
      throw new MedcapError(
        "BAD_USER_INPUT",
        `no indexed images with captions in split ${split.toLowerCase()}${dataset ? ` of ${dataset}` : ""}`,
      );
    return out;
  }

  /** The anatomy attributes of every image involved in a run, in one query. */
  private async anatomyOf(imageIds: Iterable<string>): Promise<Map<string, AnatomyAttrs>> {
    const rows = await this.prisma.image.findMany({
      where: { id: { in: [...new Set(imageIds)] } },
      select: { id: true, modality: true, plane: true, locationCategory: true, case: { select: { dataset: { select: { name: true } } } } },
    });
    return new Map(
      rows.map((r) => [
        r.id,
        anatomyAttrs({ dataset: r.case.dataset.name, locationCategory: r.locationCategory, modality: r.modality, plane: r.plane }),
      ]),
    );
  }

  async run(options: EvaluationOptions): Promise<EvaluationResult> {
    const startedAt = new Date();
    const progress = options.onProgress ?? (() => {});
    progress(0.02, "indexing anything not yet embedded");
    await this.retrieval.indexer.indexAll(this.retrieval.model);
    progress(0.1, "loading split");
    const seed = options.seed ?? 13;
    let body: { params: Record<string, unknown>; metrics: Record<string, unknown>; items: Record<string, unknown>[] };
    switch (options.protocol) {
      case "retrieval":
        body = await this.retrievalProtocol(options, seed);
        break;
      case "caption-library":
        body = await this.captionLibrary(options, seed, progress);
        break;
      case "seed-template":
        body = await this.seedTemplate(options, seed);
        break;
      default:
        throw new MedcapError("BAD_USER_INPUT", `unknown protocol ${String(options.protocol)} (expected ${PROTOCOLS.join(", ")})`);
    }
    progress(0.95, "storing the run");
    const run = await this.prisma.evaluationRun.create({
      data: {
        modelVersionId: this.retrieval.model.modelVersionId,
        protocol: options.protocol,
        split: options.split,
        params: { ...body.params, dataset: options.dataset ?? null, seed } as object,
        metrics: body.metrics as object,
        jobId: options.jobId ?? null,
        startedAt,
        finishedAt: new Date(),
      },
    });
    progress(1, "done");
    return {
      runId: run.id,
      protocol: options.protocol,
      split: options.split,
      model: { name: this.retrieval.model.name, version: this.retrieval.model.version },
      params: { ...body.params, dataset: options.dataset ?? null, seed },
      metrics: body.metrics,
      items: body.items,
    };
  }

  /** image→text and text→image within one split; textual twins count as correct. */
  private async retrievalProtocol(options: EvaluationOptions, seed: number) {
    const images = await this.loadSplit(options.split, options.dataset, true);
    const mv = this.retrieval.model.modelVersionId;
    const captionRows = await this.prisma.caption.findMany({
      where: { imageId: { in: images.map((i) => i.imageId) }, isCurrent: true },
      select: { id: true, imageId: true, text: true },
    });
    const byImage = new Map(captionRows.map((c) => [c.imageId, c]));
    const pairs: { imageId: string; captionText: string; captionId: string }[] = [];
    for (const i of images) {
      const c = byImage.get(i.imageId);
      if (c) pairs.push({ imageId: i.imageId, captionText: c.text, captionId: c.id });
    }
    const captionVectors = await Promise.all(
      pairs.map(async (p) => (await this.retrieval.repo.vectorOf(mv, "CAPTION", p.captionId)) as Float32Array),
    );
    if (captionVectors.some((v) => !v)) throw new MedcapError("INTERNAL_SERVER_ERROR", "some captions have no vector after indexing");
    const rel = buildRelevance(pairs);
    const imageVec = new Map(images.map((i) => [i.imageId, i.vector]));
    const sim = rel.imageIds.map((id) => {
      const v = imageVec.get(id) as Float32Array;
      return Float64Array.from(captionVectors, (c) => dot(v, c));
    });
    const ranks = ranksFromSimilarity(sim, rel.relevant);
    const random = seededRandom(seed);
    const randomSim = rel.imageIds.map(() => Float64Array.from(captionVectors, () => random()));
    const randomRanks = ranksFromSimilarity(randomSim, rel.relevant);
    const ci = (r: number[]) => {
      const b = bootstrapMeanInterval(hitsAt(r, 10), { seed });
      return { low: round(b.low), high: round(b.high), level: b.level };
    };
    const summary = (r: number[]) => Object.fromEntries(Object.entries(summarizeRanks(r)).map(([k, v]) => [k, round(v)]));
    // Anatomy agreement of image → image top-1 within the split: the nearest other image, as
    // similarImages answers by default (the query itself left out, images of its own case allowed, the
    // attribute prior on where the model has one: then through the service's own ranking).
    const withPrior = this.priorOn(options, "similarImages");
    const priorNearest = new Map<string, string | null>();
    if (withPrior) {
      for (const q of images) {
        const [top] = await this.retrieval.search.similarForVector(q.vector, {
          k: 1,
          filter: { splits: [options.split], ...(options.dataset ? { datasets: [options.dataset] } : {}) },
          attributes: await this.retrieval.search.catalogueImageAttributes(q.imageId),
          queryImageId: q.imageId,
        });
        priorNearest.set(q.imageId, top?.imageId ?? null);
      }
    }
    const nearest = withPrior
      ? priorNearest
      : new Map(
          images.map((q) => {
            let best: string | null = null;
            let bestScore = Number.NEGATIVE_INFINITY;
            for (const o of images) {
              if (o.imageId === q.imageId) continue;
              const s = dot(q.vector, o.vector);
              if (s > bestScore) {
                bestScore = s;
                best = o.imageId;
              }
            }
            return [q.imageId, best] as const;
          }),
        );
    const attrs = await this.anatomyOf(images.map((i) => i.imageId));
    const attrsOf = (id: string | null) => (id === null ? null : (attrs.get(id) ?? null));
    const anatomy = anatomyAgreement(
      images.flatMap((q): AgreementQuery[] => {
        const a = attrsOf(q.imageId);
        return a ? [{ attrs: a, ranked: [attrsOf(nearest.get(q.imageId) ?? null)], inPool: true }] : [];
      }),
      images.flatMap((i) => attrsOf(i.imageId) ?? []),
      { basis: `the nearest other image of the split (image → image top-1${withPrior ? ", attribute prior on" : ""})` },
    );
    const items = rel.imageIds.map((id, i) => {
      const row = sim[i] as Float64Array;
      const top = [...row.keys()].sort((a, b) => (row[b] as number) - (row[a] as number)).slice(0, 10);
      return {
        imageId: id,
        references: [...(rel.relevant[i] ?? [])].map((c) => pairs[c]?.captionId),
        rankedCaptionIds: top.map((c) => pairs[c]?.captionId),
        rank: ranks.imageToText[i],
        nearestImageId: nearest.get(id) ?? null,
      };
    });
    return {
      params: { images: rel.imageIds.length, captions: pairs.length, attributePrior: withPrior },
      metrics: {
        imageToText: { ...summary(ranks.imageToText), R10ci95: ci(ranks.imageToText) },
        textToImage: { ...summary(ranks.textToImage), R10ci95: ci(ranks.textToImage) },
        random: { imageToText: summary(randomRanks.imageToText), textToImage: summary(randomRanks.textToImage) },
        anatomy,
      },
      items,
    };
  }

  /**
   * Each query image captioned from the TRAIN split only (the case library: its captions, and its
   * images for the neighbour votes), with baselines.
   */
  private async captionLibrary(options: EvaluationOptions, seed: number, progress: (f: number, m: string) => void) {
    const queries = await this.loadSplit(options.split, options.dataset, true);
    const library = await this.loadSplit("TRAIN", options.dataset, false);
    // Each distinct library text with the first library image that carries it: what a random caption draws.
    const firstImageOfText = new Map<string, string>();
    for (const l of library) {
      const text = normalizeCaptionText(l.caption);
      if (!firstImageOfText.has(text)) firstImageOfText.set(text, l.imageId);
    }
    const libraryTexts = [...firstImageOfText.keys()];
    const libraryTokens = libraryTexts.map((t) => ptbTokenize(t));
    const random = seededRandom(seed);
    const settings = this.retrieval.search.captioningFor(options);
    const withPrior = this.priorOn(options, "captioning");
    const model: CaptionItem[] = [];
    const randomItems: CaptionItem[] = [];
    const oracle: CaptionItem[] = [];
    const items: Record<string, unknown>[] = [];
    // Per query, the first provenance image of each of its top-5 captions (anatomy agreement).
    const provenance = new Map<string, (string | null)[]>();
    let done = 0;
    for (const q of queries) {
      // The production path: the store, filtered to the train split; a train query never sees its own case.
      const request = {
        filter: {
          splits: ["TRAIN" as const],
          ...(options.dataset ? { datasets: [options.dataset] } : {}),
          ...(options.split === "TRAIN" ? { excludeCaseIds: [q.caseId] } : {}),
        },
        ...settings,
        queryImageId: q.imageId,
        attributes: withPrior ? await this.retrieval.search.catalogueImageAttributes(q.imageId) : null,
        attributePrior: withPrior,
      };
      let matches = await this.retrieval.search.captionsForVector(q.vector, { ...request, k: ALL_OF_TOP });
      // Consensus over fewer candidates than 5 would re-rank a wider set when 5 are asked for, and could
      // change the top caption: the prediction stays the k = 1 answer, the other four follow it.
      if (settings.consensus && settings.consensus.candidates < ALL_OF_TOP) {
        const first = (await this.retrieval.search.captionsForVector(q.vector, { ...request, k: 1 }))[0];
        if (first) matches = [first, ...matches.filter((m) => m.text !== first.text)].slice(0, ALL_OF_TOP);
      }
      provenance.set(
        q.imageId,
        matches.map((m) => m.imageIds[0] ?? null),
      );
      const prediction = matches[0]?.text ?? "";
      const reference = normalizeCaptionText(q.caption);
      const refTokens = ptbTokenize(reference);
      let best = 0;
      let bestScore = -1;
      libraryTokens.forEach((t, i) => {
        const s = sentenceRougeL(t, [refTokens]);
        if (s > bestScore) {
          bestScore = s;
          best = i;
        }
      });
      const randomText = libraryTexts[Math.floor(random() * libraryTexts.length)] as string;
      model.push({ id: q.imageId, candidate: prediction, references: [reference] });
      randomItems.push({ id: q.imageId, candidate: randomText, references: [reference] });
      oracle.push({ id: q.imageId, candidate: libraryTexts[best] as string, references: [reference] });
      items.push({
        imageId: q.imageId,
        prediction,
        score: matches[0] ? round(matches[0].score) : null,
        similarity: matches[0] ? round(matches[0].similarity) : null,
        references: [reference],
        sourceCaseIds: matches[0]?.caseIds ?? [],
        supportingImageIds: matches[0]?.supportingImages.map((s) => s.imageId) ?? [],
        provenanceImageIds: provenance.get(q.imageId),
      });
      if (++done % 20 === 0) progress(0.1 + (0.8 * done) / queries.length, `captioned ${done}/${queries.length}`);
    }
    const pool = [...firstImageOfText.values()];
    const attrs = await this.anatomyOf([
      ...queries.map((q) => q.imageId),
      ...pool,
      ...[...provenance.values()].flat().filter((id) => id !== null),
    ]);
    const attrsOf = (id: string | null) => (id === null ? null : (attrs.get(id) ?? null));
    const anatomy = anatomyAgreement(
      queries.flatMap((q): AgreementQuery[] => {
        const a = attrsOf(q.imageId);
        return a ? [{ attrs: a, ranked: (provenance.get(q.imageId) ?? []).map(attrsOf) }] : [];
      }),
      pool.flatMap((id) => attrsOf(id) ?? []),
      { basis: "the first provenance image of each ranked caption (CaptionMatch.imageIds[0])", allOfTop5: true },
    );
    return {
      params: {
        queries: queries.length,
        library: "TRAIN",
        libraryCaptions: libraryTexts.length,
        libraryImages: library.length,
        strategy: settings.strategy,
        ...(settings.strategy === "text" ? {} : { neighbours: settings.neighbours, temperature: settings.temperature }),
        ...(settings.strategy === "fused" ? { weight: settings.weight } : {}),
        consensus: formatConsensus(settings.consensus),
        attributePrior: withPrior,
      },
      metrics: {
        model: roundScores(scoreCaptions(model)),
        random: roundScores(scoreCaptions(randomItems)),
        oracle: roundScores(scoreCaptions(oracle)),
        anatomy,
      },
      items,
    };
  }

  /** The seed notebook's protocol: templated metadata captions of the split itself, top-1. */
  private async seedTemplate(options: EvaluationOptions, seed: number) {
    const images = await this.loadSplit(options.split, options.dataset, true);
    const pool = [...new Set(images.map((i) => i.template))];
    const poolVectors = await this.retrieval.encoder.encodeTextsBatch(pool);
    const random = seededRandom(seed);
    const model: CaptionItem[] = [];
    const randomItems: CaptionItem[] = [];
    const items: Record<string, unknown>[] = [];
    for (const img of images) {
      let best = 0;
      let bestScore = Number.NEGATIVE_INFINITY;
      poolVectors.forEach((v, i) => {
        const s = dot(img.vector, v);
        if (s > bestScore) {
          bestScore = s;
          best = i;
        }
      });
      model.push({ id: img.imageId, candidate: pool[best] as string, references: [img.template] });
      randomItems.push({ id: img.imageId, candidate: pool[Math.floor(random() * pool.length)] as string, references: [img.template] });
      items.push({ imageId: img.imageId, prediction: pool[best], score: round(bestScore), references: [img.template] });
    }
    return {
      params: { images: images.length, pool: pool.length },
      metrics: { model: roundScores(scoreCaptions(model)), random: roundScores(scoreCaptions(randomItems)) },
      items,
    };
  }
}
