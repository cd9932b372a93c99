// Catalogue reads and case/image/caption edits; thin: arguments in, services out.
import { MedcapError, notFound } from "../../core/errors.js";
import { actorOf, requireRole } from "../../auth/role.policy.js";
import type { GraphQLContext } from "../graphql.context.js";
import { readImageInput } from "../image.input.js";
import type { Resolvers } from "../resolvers.generated.js";

/** The caller as an audit actor; root guards have already checked the role. */
export function actor(ctx: GraphQLContext): string {
  return actorOf(requireRole(ctx.principal, "VIEWER", ctx.authError));
}

async function must<T>(value: Promise<T | null>, what: string, id: string): Promise<T> {
  const found = await value;
  if (!found) throw notFound(what, id);
  return found;
}

export const catalogResolvers: Resolvers = {
  Query: {
    case: (_, { id }, ctx) => ctx.loaders.case.load(id),
    cases: (_, args, ctx) => ctx.services.catalog.cases(args),
    image: (_, { id }, ctx) => ctx.loaders.image.load(id),
    caption: (_, { id }, ctx) => ctx.loaders.caption.load(id),
    datasets: (_, __, ctx) => ctx.services.catalog.datasets(),
  },
  Mutation: {
    createCase: (_, { input }, ctx) => ctx.services.cases.create(input, actor(ctx)),
    updateCase: (_, { id, input }, ctx) => ctx.services.cases.update(id, input, actor(ctx)),
    addImage: async (_, { input }, ctx) => {
      const { image, ...rest } = input;
      const query = await readImageInput(image, ctx.services.search.limits, false);
      if (!query.bytes) throw new MedcapError("BAD_USER_INPUT", "addImage needs image bytes");
      return ctx.services.images.add({ ...rest, bytes: query.bytes, decoded: query.decoded }, actor(ctx));
    },
    updateCaption: (_, { id, text, comment, expectedRevision }, ctx) =>
      ctx.services.captions.update({ id, text, comment, expectedRevision }, actor(ctx)),
  },
  Dataset: {
    caseCount: (d, _, ctx) => ctx.loaders.caseCountByDataset.load(d.id),
  },
  Case: {
    dataset: (c, _, ctx) => must(ctx.loaders.dataset.load(c.datasetId), "dataset", c.datasetId),
    images: (c, _, ctx) => ctx.loaders.imagesByCase.load(c.id),
  },
  Image: {
    case: (i, _, ctx) => must(ctx.loaders.case.load(i.caseId), "case", i.caseId),
    url: (i) => `/images/${encodeURIComponent(i.id)}`,
    thumbnailUrl: (i, { size }) => {
      const s = size ?? 256;
      if (!Number.isInteger(s) || s < 16 || s > 1024) throw new MedcapError("BAD_USER_INPUT", "size must be between 16 and 1024");
      return `/images/${encodeURIComponent(i.id)}?size=${s}`;
    },
    caption: async (i, _, ctx) => (await ctx.loaders.captionsByImage.load(i.id)).find((c) => c.isCurrent) ?? null,
    captions: (i, _, ctx) => ctx.loaders.captionsByImage.load(i.id),
  },
  Caption: {
    image: (c, _, ctx) => must(ctx.loaders.image.load(c.imageId), "image", c.imageId),
    revisions: (c, _, ctx) => ctx.loaders.revisionsByCaption.load(c.id),
    flags: (c, _, ctx) => ctx.loaders.flagsByCaption.load(c.id),
  },
};
