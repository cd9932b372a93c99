// The caption audit over GraphQL (issue #25): annotators list, dismiss and flag suspicions.
import { storedReasons } from "../../audit/caption.audit.service.js";
import { notFound } from "../../core/errors.js";
import type { Resolvers } from "../resolvers.generated.js";
import { actor } from "./catalog.resolvers.js";

export const auditResolvers: Resolvers = {
  Query: {
    captionSuspicions: (_, { first, after, filter }, ctx) => ctx.services.audit.page({ first, after, filter }),
  },
  Mutation: {
    dismissSuspicion: (_, { id, note }, ctx) => ctx.services.audit.dismiss(id, note, actor(ctx)),
    flagFromSuspicion: (_, { id }, ctx) => ctx.services.audit.flag(id, actor(ctx)),
    runCaptionAudit: (_, { dataset, split, force }, ctx) => ctx.services.audit.request({ dataset, split, force }, actor(ctx)),
  },
  CaptionSuspicion: {
    caption: async (s, _, ctx) => {
      const caption = await ctx.loaders.caption.load(s.captionId);
      if (!caption) throw notFound("caption", s.captionId);
      return caption;
    },
    reasons: (s) => storedReasons(s.reasons),
    images: async (s, _, ctx) => {
      const caption = await ctx.loaders.caption.load(s.captionId);
      const image = caption ? await ctx.loaders.image.load(caption.imageId) : undefined;
      return image ? [image] : [];
    },
    modelVersion: async (s, _, ctx) => (s.modelVersionId ? ((await ctx.loaders.modelVersion.load(s.modelVersionId)) ?? null) : null),
    dismissed: (s) => s.dismissedAt !== null,
    flag: async (s, _, ctx) =>
      s.flagId ? ((await ctx.loaders.flagsByCaption.load(s.captionId)).find((f) => f.id === s.flagId) ?? null) : null,
  },
  SuspicionReason: {
    words: (r) => r.words ?? [],
  },
};
