import { notFound } from "../../core/errors.js";
import { requireRole } from "../../auth/role.policy.js";
import type { Resolvers } from "../resolvers.generated.js";
import { actor } from "./catalog.resolvers.js";

export const authResolvers: Resolvers = {
  Query: {
    me: async (_, __, ctx) => {
      const principal = requireRole(ctx.principal, "VIEWER", ctx.authError);
      const key = await ctx.services.keys.get(principal.keyId);
      if (!key) throw notFound("API key", principal.keyId);
      return key;
    },
    apiKeys: (_, __, ctx) => ctx.services.keys.list(),
  },
  Mutation: {
    createApiKey: (_, { label, role }, ctx) => ctx.services.keys.create({ label, role }, actor(ctx)),
    revokeApiKey: (_, { id }, ctx) => ctx.services.keys.revoke(id, actor(ctx)),
  },
};
