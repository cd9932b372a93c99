// The resolver map: per-domain resolvers merged, root fields wrapped by the access table.
import { MUTATION_ACCESS, QUERY_ACCESS, guardRootFields } from "./operation.roles.js";
import { authResolvers } from "./resolvers/auth.resolvers.js";
import { catalogResolvers } from "./resolvers/catalog.resolvers.js";
import { auditResolvers } from "./resolvers/audit.resolvers.js";
import { curationResolvers } from "./resolvers/curation.resolvers.js";
import { explainResolvers } from "./resolvers/explain.resolvers.js";
import { operationsResolvers } from "./resolvers/operations.resolvers.js";
import { scalarResolvers } from "./resolvers/scalar.resolvers.js";
import { searchResolvers } from "./resolvers/search.resolvers.js";
import type { Resolvers } from "./resolvers.generated.js";

function merge(...parts: Resolvers[]): Resolvers {
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [type, fields] of Object.entries(part)) {
      // Only Query and Mutation are split across domains; scalars appear once.
      out[type] = out[type] ? { ...(out[type] as object), ...(fields as object) } : fields;
    }
  }
  return out as Resolvers;
}

export function buildResolvers(): Resolvers {
  const merged = merge(
    scalarResolvers,
    catalogResolvers,
    searchResolvers,
    explainResolvers,
    curationResolvers,
    auditResolvers,
    operationsResolvers,
    authResolvers,
  );
  merged.Query = guardRootFields(merged.Query ?? {}, QUERY_ACCESS);
  merged.Mutation = guardRootFields(merged.Mutation ?? {}, MUTATION_ACCESS);
  return merged;
}
