// The one table of who may call what. Every root field is listed (the types make a missing entry a
// compile error), and the guard wraps the root resolvers with it.
import type { Role } from "@medcap/db";
import { requireRole } from "../auth/role.policy.js";
import type { GraphQLContext } from "./graphql.context.js";
import type { MutationResolvers, QueryResolvers } from "./resolvers.generated.js";

export type Access = Role | "PUBLIC";

export const QUERY_ACCESS: Record<keyof QueryResolvers, Access> = {
  health: "PUBLIC",
  me: "VIEWER",
  captioningDefaults: "VIEWER",
  captionImage: "VIEWER",
  searchImages: "VIEWER",
  similarImages: "VIEWER",
  classifyImage: "VIEWER",
  explainMatch: "VIEWER",
  case: "VIEWER",
  cases: "VIEWER",
  image: "VIEWER",
  caption: "VIEWER",
  datasets: "VIEWER",
  flags: "VIEWER",
  captionSuspicions: "ANNOTATOR",
  evaluationRuns: "VIEWER",
  modelVersions: "VIEWER",
  job: "VIEWER",
  apiKeys: "ADMIN",
};

export const MUTATION_ACCESS: Record<keyof MutationResolvers, Role> = {
  flagCaption: "ANNOTATOR",
  dismissSuspicion: "ANNOTATOR",
  flagFromSuspicion: "ANNOTATOR",
  runCaptionAudit: "CURATOR",
  createCase: "CURATOR",
  updateCase: "CURATOR",
  addImage: "CURATOR",
  updateCaption: "CURATOR",
  resolveFlag: "CURATOR",
  reindex: "CURATOR",
  runEvaluation: "CURATOR",
  activateModelVersion: "ADMIN",
  createApiKey: "ADMIN",
  revokeApiKey: "ADMIN",
};

type AnyResolver = (parent: unknown, args: unknown, ctx: GraphQLContext, info: unknown) => unknown;

/** Wraps each root resolver so the role check runs before it; unlisted fields are refused. */
export function guardRootFields<T extends object>(resolvers: T, access: Record<string, Access>): T {
  const out: Record<string, AnyResolver> = {};
  for (const [field, resolver] of Object.entries(resolvers as Record<string, AnyResolver>)) {
    const required = access[field];
    if (!required) throw new Error(`no access rule for root field ${field}`);
    out[field] = (parent, args, ctx, info) => {
      if (required !== "PUBLIC") requireRole(ctx.principal, required, ctx.authError);
      return resolver(parent, args, ctx, info);
    };
  }
  return out as T;
}
