// Apollo plugins: operation naming for logs and metrics, complexity limits, error accounting.
import type { ApolloServerPlugin } from "@apollo/server";
// `graphql/index.js`: the module instance Apollo loads, under vitest too (whose resolver would pick the .mjs build and break instanceof checks).
import { type FragmentDefinitionNode, GraphQLError, Kind } from "graphql/index.js";
import { databaseDownLog } from "../core/rate-limited.log.js";
import type { ServerMetrics } from "../telemetry/server.metrics.js";
import { addStage, currentStageTimes } from "../core/stage.timer.js";
import { classifyError } from "./error.format.js";
import type { GraphQLContext } from "./graphql.context.js";
import { rejectNulCharacters } from "./input.hygiene.js";
import { analyseOperation, MAX_EXPLANATIONS_PER_REQUEST, type QueryLimits } from "./query.limits.js";

/**
 * The metric label is `<type>:<root fields>` (e.g. `query:searchImages`): bounded by the schema,
 * unlike client-chosen operation names, which only go to the logs.
 */
export function operationLabel(type: string, rootFields: string[]): string {
  const fields = [...new Set(rootFields)].sort();
  return `${type}:${fields.slice(0, 3).join(",")}${fields.length > 3 ? ",…" : ""}`;
}

export function observabilityPlugin(
  metrics: ServerMetrics,
  limits: Pick<QueryLimits, "maxComplexity" | "maxEncodes">,
): ApolloServerPlugin<GraphQLContext> {
  const { maxComplexity, maxEncodes } = limits;
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      let label = "unresolved";
      // Stage timings exist only under medcap bench (a sink was given to the server).
      const times = currentStageTimes();
      const stage = (name: "graphqlParseValidate") => {
        const t0 = performance.now();
        return async () => addStage(times, name, performance.now() - t0);
      };
      return {
        ...(times && {
          async parsingDidStart() {
            return stage("graphqlParseValidate");
          },
          async validationDidStart() {
            return stage("graphqlParseValidate");
          },
          async executionDidStart() {
            const t0 = performance.now();
            return {
              async executionDidEnd() {
                times.executionMs = performance.now() - t0;
              },
            };
          },
        }),
        async didResolveOperation({ operation, document, request, contextValue, schema }) {
          if (!operation) return;
          const roots = operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
          label = operationLabel(operation.operation, roots.length ? roots : ["fragment"]);
          contextValue.operation.name = request.operationName ?? operation.name?.value;
          contextValue.operation.label = label;
          const fragments = Object.fromEntries(
            document.definitions
              .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
              .map((d) => [d.name.value, d]),
          );
          rejectNulCharacters(document, request.variables);
          const { complexity, encodes, explanations } = analyseOperation(operation, fragments, {
            schema,
            variables: request.variables ?? {},
          });
          if (complexity > maxComplexity) {
            throw new GraphQLError(`query complexity ${complexity} exceeds the limit of ${maxComplexity}; ask for fewer items`, {
              extensions: { code: "BAD_USER_INPUT", reason: "QUERY_TOO_COMPLEX", http: { status: 400 } },
            });
          }
          if (explanations > MAX_EXPLANATIONS_PER_REQUEST) {
            throw new GraphQLError(
              `this request asks for ${explanations} explanations; at most ${MAX_EXPLANATIONS_PER_REQUEST} may run per request (each runs grid² + 1 encodes)`,
              { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } },
            );
          }
          if (encodes > maxEncodes) {
            throw new GraphQLError(
              `this request runs ${encodes} encodes (each aliased search or image field counts one, an explanation ceil(grid² / 16)); the limit is ${maxEncodes} per request`,
              { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } },
            );
          }
        },
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const c = classifyError(error);
            metrics.errors.inc({ code: c.code });
            if (c.reason === "DATABASE_UNAVAILABLE") {
              databaseDownLog.note(() => contextValue.logger, error.originalError ?? error);
            } else if (c.internal) {
              contextValue.logger.error(
                { err: error.originalError ?? error, path: error.path, operation: contextValue.operation.name },
                "internal error",
              );
            }
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (times) times.sentAt = performance.now();
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.operationDuration.observe({ operation: label }, seconds);
          if (response.body.kind === "single" && response.body.singleResult.errors) {
            // OVERLOADED and SERVICE_UNAVAILABLE tell the client when to come back, as a 429 from the rate limiter does.
            const errors = response.body.singleResult.errors;
            const retryAfter = Math.max(
              0,
              ...errors.map((e) =>
                e.extensions?.code === "OVERLOADED" || e.extensions?.code === "SERVICE_UNAVAILABLE"
                  ? Number(e.extensions.retryAfterSeconds ?? 1)
                  : 0,
              ),
            );
            if (retryAfter > 0) response.http.headers.set("retry-after", String(retryAfter));
            // Nothing answered because a dependency is down: say so at the HTTP level too.
            const data = response.body.singleResult.data;
            const noData = !data || Object.values(data).every((v) => v === null);
            if (noData && errors.every((e) => e.extensions?.code === "SERVICE_UNAVAILABLE")) response.http.status = 503;
            // The request id lets a client quote a masked error; the server log has the details.
            response.body.singleResult.errors = response.body.singleResult.errors.map((e) => ({
              ...e,
              extensions: { ...e.extensions, requestId: contextValue.requestId },
            }));
          }
        },
      };
    },
  };
}
