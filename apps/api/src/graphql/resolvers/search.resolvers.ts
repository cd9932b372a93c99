// Retrieval queries: validate the input, call the retrieval port, hydrate provenance with loaders.
import type { CaptionModel } from "@medcap/db";
import { notFound } from "../../core/errors.js";
import { toSearchFilter } from "../search.requests.js";
import type { CaptionStrategy } from "../../search/caption.strategy.js";
import { formatConsensus } from "../../search/consensus.rerank.js";
import { captioningFromArgs } from "../captioning.input.js";
import type { GraphQLContext } from "../graphql.context.js";
import { readImageInput } from "../image.input.js";
import type { Resolvers } from "../resolvers.generated.js";

async function imageOf(ctx: GraphQLContext, imageId: string) {
  const image = await ctx.loaders.image.load(imageId);
  if (!image) throw notFound("image", imageId);
  return image;
}

export const searchResolvers: Resolvers = {
  Query: {
    captioningDefaults: (_, __, ctx) => {
      const d = ctx.services.search.captioningDefaults();
      if (!d) return null;
      const strategy = d.strategy.toUpperCase() as Uppercase<CaptionStrategy>;
      const priors = ctx.services.search.attributePriors();
      return {
        ...d,
        strategy,
        consensus: formatConsensus(d.consensus),
        attributePrior: priors.captioning,
        similarImagesPrior: priors.similarImages,
      };
    },
    captionImage: async (_, { image, k, filter, strategy, neighbours, temperature, weight, consensus, attributePrior }, ctx) => {
      const search = ctx.services.search;
      const size = search.checkK(k, 5);
      const captioning = captioningFromArgs({ strategy, neighbours, temperature, weight, consensus });
      const query = await readImageInput(image, search.limits);
      return search.captionImage(query, size, toSearchFilter(filter), captioning, attributePrior ?? undefined);
    },
    classifyImage: async (_, { image }, ctx) => {
      const search = ctx.services.search;
      return search.classifyImage(await readImageInput(image, search.limits));
    },
    searchImages: (_, { text, k, filter }, ctx) => {
      const search = ctx.services.search;
      return search.searchImages(text, search.checkK(k, 10), toSearchFilter(filter));
    },
    similarImages: async (_, { image, k, filter, excludeSameCase, attributePrior }, ctx) => {
      const search = ctx.services.search;
      const size = search.checkK(k, 10);
      const query = await readImageInput(image, search.limits);
      return search.similarImages(query, size, toSearchFilter(filter), excludeSameCase ?? false, attributePrior ?? undefined);
    },
  },
  ModelRef: {
    id: (m) => m.modelVersionId,
  },
  CaptionMatch: {
    captions: async (m, _, ctx) =>
      (await ctx.loaders.caption.loadMany(m.captionIds)).filter((c): c is CaptionModel => c !== null && !(c instanceof Error)),
    provenance: (m) => [...new Set(m.imageIds)].map((imageId) => ({ imageId })),
    modelVersion: (m) => m.model,
    strategy: (m) => m.strategy.toUpperCase() as Uppercase<CaptionStrategy>,
    queryAttributes: (m) => m.queryAttributes ?? null,
    restriction: (m) => m.restriction ?? null,
    contradicts: (m) => m.contradicts ?? [],
  },
  ImageClassification: {
    modelVersion: (c) => c.model,
  },
  SupportingImage: {
    image: (s, _, ctx) => imageOf(ctx, s.imageId),
    provenance: (s) => ({ imageId: s.imageId, caseId: s.caseId }),
  },
  ImageMatch: {
    similarity: (m) => m.similarity ?? m.score,
    queryAttributes: (m) => m.queryAttributes ?? null,
    restriction: (m) => m.restriction ?? null,
    contradicts: (m) => m.contradicts ?? [],
    image: (m, _, ctx) => imageOf(ctx, m.imageId),
    provenance: (m) => ({ imageId: m.imageId, caseId: m.caseId }),
    modelVersion: (m) => m.model,
  },
  Provenance: {
    image: (p, _, ctx) => imageOf(ctx, p.imageId),
    case: async (p, _, ctx) => {
      const caseId = p.caseId ?? (await imageOf(ctx, p.imageId)).caseId;
      const found = await ctx.loaders.case.load(caseId);
      if (!found) throw notFound("case", caseId);
      return found;
    },
    dataset: async (p, _, ctx) => {
      const caseId = p.caseId ?? (await imageOf(ctx, p.imageId)).caseId;
      const found = await ctx.loaders.case.load(caseId);
      if (!found) throw notFound("case", caseId);
      const dataset = await ctx.loaders.dataset.load(found.datasetId);
      if (!dataset) throw notFound("dataset", found.datasetId);
      return dataset;
    },
  },
};
