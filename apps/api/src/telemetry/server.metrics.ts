// Prometheus metrics of the API process. One registry per server; the retrieval core adds its own
// metrics (encode batch sizes, encoder queue depth) to `registry`.
import { timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

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

const JOB_STATUSES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] as const;

/**
 * The job gauge, refreshed in the background: a scrape used to run a GROUP BY on "Job" each time, so
 * whoever could reach /metrics could make Postgres work at will. Returns a stop function.
 */
export function registerJobGauge(
  metrics: ServerMetrics,
  countByStatus: () => Promise<Record<string, number>>,
  intervalMs = 15_000,
): () => void {
  let counts: Record<string, number> = {};
  const refresh = () =>
    countByStatus().then(
      (c) => {
        counts = c;
      },
      () => {}, // keep the last counts; /readyz reports the database
    );
  new Gauge({
    name: "medcap_jobs",
    help: `Background jobs by status (QUEUED is the queue depth), refreshed every ${intervalMs / 1000} s`,
    labelNames: ["status"],
    registers: [metrics.registry],
    collect() {
      for (const status of JOB_STATUSES) this.set({ status }, counts[status] ?? 0);
    },
  });
  void refresh();
  const timer = setInterval(refresh, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** GET /metrics: open, or behind `Authorization: Bearer <MEDCAP_METRICS_TOKEN>` when a token is configured. */
export function metricsHandler(metrics: ServerMetrics, token: string | undefined) {
  const expected = token ? Buffer.from(`Bearer ${token}`) : undefined;
  return async (req: Request, res: Response, _next: NextFunction) => {
    if (expected) {
      const given = Buffer.from(req.header("authorization") ?? "");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"');
        res.status(401).type("text/plain").send("metrics need Authorization: Bearer <MEDCAP_METRICS_TOKEN>\n");
        return;
      }
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}
