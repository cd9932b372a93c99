// Apollo plugins: operation naming for logs and metrics, complexity limits, error accounting.
import type { ApolloServerPlugin } from "@apollo/server";
// `graphql/index.js`: the module instance Apollo loads, under vitest too (whose resolver would pick the .mjs build and break instanceof checks).
import { type FragmentDefinitionNode, GraphQLError, Kind } from "graphql/index.js";
import type { ServerMetrics } from "../server/server.metrics.js";
import { classifyError } from "./error.format.js";
import type { GraphQLContext } from "./graphql.context.js";
import { rejectNulCharacters } from "./input.hygiene.js";
import { encodeCount, operationComplexity, type QueryLimits } from "./query.limits.js";

/**
 * The metric label is `<type>:<root fields>` (e.g. `query:searchImages`): bounded by the schema,
 * unlike client-chosen operation names, which only go to the logs.
 */
export function operationLabel(type: string, rootFields: string[]): string {
  const fields = [...new Set(rootFields)].sort();
  return `${type}:${fields.slice(0, 3).join(",")}${fields.length > 3 ? ",…" : ""}`;
}

/**
 * While the database is down every request fails the same way: one warning per interval, with how
 * many were suppressed, instead of one per request (a probe once grew the log by 25 MB in 2 minutes).
 */
export class RateLimitedLog {
  private last = 0;
  private suppressed = 0;
  constructor(
    private readonly message: string,
    private readonly intervalMs = 10_000,
  ) {}

  note(logger: () => { warn(obj: object, msg: string): void }, err: unknown, now = Date.now()): boolean {
    if (now - this.last < this.intervalMs) {
      this.suppressed++;
      return false;
    }
    logger().warn({ err, suppressed: this.suppressed }, this.message);
    this.last = now;
    this.suppressed = 0;
    return true;
  }
}

const databaseDownLog = new RateLimitedLog("database unavailable: requests answer SERVICE_UNAVAILABLE");

export function observabilityPlugin(
  metrics: ServerMetrics,
  limits: Pick<QueryLimits, "maxComplexity" | "maxEncodes">,
): ApolloServerPlugin<GraphQLContext> {
  const { maxComplexity, maxEncodes } = limits;
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      let label = "unresolved";
      return {
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
          const complexity = operationComplexity(schema, operation, fragments, request.variables ?? {});
          if (complexity > maxComplexity) {
            throw new GraphQLError(`query complexity ${complexity} exceeds the limit of ${maxComplexity}; ask for fewer items`, {
              extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
            });
          }
          const encodes = encodeCount(operation, fragments);
          if (encodes > maxEncodes) {
            throw new GraphQLError(
              `this request runs ${encodes} encodes (each aliased search or image field counts one); the limit is ${maxEncodes} per request`,
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
