import { notFound } from "../../core/errors.js";
import { readAnatomyAgreement } from "../../eval/anatomy.agreement.js";
import { captioningFromArgs } from "../captioning.input.js";
import type { GraphQLContext } from "../graphql.context.js";
import type { HealthSource } from "../graphql.mappers.js";
import type { Resolvers } from "../resolvers.generated.js";
import { actor } from "./catalog.resolvers.js";

/**
 * One health answer per request: `a1: health { database } … a2900: health { database }` (anonymous)
 * queued 2,900 database probes on the pool; every alias now shares the first one's answer.
 */
const healthOfRequest = new WeakMap<GraphQLContext, Promise<HealthSource>>();

function healthOnce(ctx: GraphQLContext): Promise<HealthSource> {
  let answer = healthOfRequest.get(ctx);
  if (!answer) {
    answer = ctx.services.health();
    healthOfRequest.set(ctx, answer);
  }
  return answer;
}

export const operationsResolvers: Resolvers = {
  Query: {
    health: (_, __, ctx) => healthOnce(ctx),
    evaluationRuns: (_, args, ctx) => ctx.services.models.evaluationRuns(args),
    modelVersions: (_, __, ctx) => ctx.services.models.list(),
    job: (_, { id }, ctx) => ctx.loaders.job.load(id),
  },
  Mutation: {
    reindex: (_, { modelVersionId }, ctx) => ctx.services.models.requestReindex(modelVersionId, actor(ctx)),
    runEvaluation: (_, { protocol, split, modelVersionId, ...knobs }, ctx) =>
      ctx.services.models.requestEvaluation({ protocol, split, modelVersionId, captioning: captioningFromArgs(knobs) }, actor(ctx)),
    activateModelVersion: (_, { id }, ctx) => ctx.services.models.activate(id, actor(ctx)),
  },
  Health: {
    status: (h) => (h.database && h.retrieval ? "ok" : "degraded"),
  },
  ModelVersion: {
    evaluationRuns: (m, _, ctx) => ctx.loaders.evaluationRunsByModelVersion.load(m.id),
  },
  EvaluationRun: {
    modelVersion: async (r, _, ctx) => {
      const version = await ctx.loaders.modelVersion.load(r.modelVersionId);
      if (!version) throw notFound("model version", r.modelVersionId);
      return version;
    },
    params: (r) => r.params ?? {},
    metrics: (r) => r.metrics ?? {},
    anatomy: (r) => readAnatomyAgreement(r.metrics),
    job: (r, _, ctx) => (r.jobId ? ctx.loaders.job.load(r.jobId) : null),
  },
  Job: {
    params: (j) => j.params ?? {},
  },
};
