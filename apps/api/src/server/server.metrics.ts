// Prometheus metrics of the API process. One registry per server; the retrieval core adds its own
// metrics (encode batch sizes, encoder queue depth) to `registry`.
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export interface ServerMetrics {
  registry: Registry;
  /** GraphQL operation latency, labelled `<type>:<root fields>`. */
  operationDuration: Histogram<"operation">;
  /** GraphQL errors by public extensions.code. */
  errors: Counter<"code">;
  /** Every HTTP request by route and status class. */
  httpDuration: Histogram<"route" | "status">;
}

export function createServerMetrics(registry = new Registry()): ServerMetrics {
  collectDefaultMetrics({ register: registry, prefix: "medcap_" });
  return {
    registry,
    operationDuration: new Histogram({
      name: "medcap_graphql_operation_duration_seconds",
      help: "GraphQL operation latency by operation (type:root fields)",
      labelNames: ["operation"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    errors: new Counter({
      name: "medcap_graphql_errors_total",
      help: "GraphQL errors by extensions.code",
      labelNames: ["code"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "medcap_http_request_duration_seconds",
      help: "HTTP request latency by route and status class",
      labelNames: ["route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
