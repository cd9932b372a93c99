import { notFound } from "../../core/errors.js";
import type { Resolvers } from "../resolvers.generated.js";
import { actor } from "./catalog.resolvers.js";

export const curationResolvers: Resolvers = {
  Query: {
    flags: (_, args, ctx) => ctx.services.flags.list(args),
  },
  Mutation: {
    flagCaption: (_, { captionId, reason, note }, ctx) => ctx.services.flags.raise({ captionId, reason, note }, actor(ctx)),
    resolveFlag: (_, { id, decision, correctedText, comment }, ctx) =>
      ctx.services.flags.resolve({ id, decision, correctedText, comment }, actor(ctx)),
  },
  Flag: {
    caption: async (f, _, ctx) => {
      const caption = await ctx.loaders.caption.load(f.captionId);
      if (!caption) throw notFound("caption", f.captionId);
      return caption;
    },
  },
};
