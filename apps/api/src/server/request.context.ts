// Request ids and access logs: every request gets an id (a sane incoming X-Request-Id is kept), a
// child logger carrying it, and one log line when it finishes, naming the GraphQL operation.
import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { MedcapError } from "../core/errors.js";
import { RequestScope, runInRequestScope } from "../core/request.scope.js";
import type { Logger } from "../core/logger.js";
import type { Principal } from "../auth/role.policy.js";
import type { ServerMetrics } from "../telemetry/server.metrics.js";
import { addStage, newStageTimes, RESOLVER_STAGES, type StageSink, type StageTimes } from "../core/stage.timer.js";

export interface RequestLocals {
  requestId: string;
  log: Logger;
  principal?: Principal;
  authError?: MedcapError;
  operation?: { name: string | undefined; label: string | undefined };
  /** Stage timings, only when the server was given a sink (medcap bench). */
  timing?: { times: StageTimes; startedAt: number; apolloAt?: number };
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

const INCOMING_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestContext(logger: Logger, metrics: ServerMetrics, stageSink?: StageSink) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header("x-request-id");
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader("X-Request-Id", requestId);
    const l = locals(res);
    l.requestId = requestId;
    l.log = logger.child({ requestId });
    const started = process.hrtime.bigint();
    if (stageSink) {
      const timing = { times: newStageTimes(), startedAt: performance.now() };
      l.timing = timing;
      res.on("finish", () => finishTimings(timing, l.operation?.label, stageSink));
    }
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // originalUrl: inside a mounted router (app.use("/graphql", …)) req.path is relative to the mount point.
      const fullPath = req.originalUrl.split("?")[0] ?? "";
      const route = fullPath.startsWith("/images/") ? "/images/:id" : fullPath;
      const known = ["/graphql", "/healthz", "/readyz", "/metrics", "/images/:id"].includes(route) ? route : "other";
      metrics.httpDuration.observe({ route: known, status: `${Math.floor(res.statusCode / 100)}xx` }, ms / 1000);
      if (known === "/healthz" || known === "/metrics") return; // probes and scrapes would drown the log
      l.log.info(
        {
          method: req.method,
          path: fullPath,
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
          operation: l.operation?.name,
          operationLabel: l.operation?.label,
          key: l.principal?.keyId,
        },
        "request",
      );
    });
    next();
  };
}

function finishTimings(timing: NonNullable<RequestLocals["timing"]>, operation: string | undefined, sink: StageSink) {
  const { times } = timing;
  const end = performance.now();
  times.operation = operation;
  times.totalMs = end - timing.startedAt;
  if (timing.apolloAt !== undefined) addStage(times, "httpAndBodyParse", timing.apolloAt - timing.startedAt - (times.ms.auth ?? 0));
  if (times.executionMs !== undefined) {
    const inside = RESOLVER_STAGES.reduce((a, s) => a + (times.ms[s] ?? 0), 0);
    addStage(times, "resolverOther", Math.max(0, times.executionMs - inside));
  }
  if (times.sentAt !== undefined) addStage(times, "serialise", end - times.sentAt);
  if (times.sentAt !== undefined && timing.apolloAt !== undefined) {
    const known = (times.ms.graphqlParseValidate ?? 0) + (times.executionMs ?? 0);
    addStage(times, "graphqlOther", Math.max(0, times.sentAt - timing.apolloAt - known));
  }
  sink(times);
}

/** A GraphQL-shaped error body for failures outside GraphQL execution (auth, rate limit, body size). */
export function sendError(res: Response, status: number, code: string, message: string, reason?: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code, ...(reason && { reason }), requestId: locals(res).requestId } }] });
}

/**
 * Runs the rest of the request inside a RequestScope (see core/request.scope.ts): the encoders queue
 * its work under the caller's key, and drop what is still queued once the response is gone, whether
 * the client hung up or the answer was sent without it.
 */
export function requestScope() {
  return (req: Request, res: Response, next: NextFunction) => {
    const l = locals(res);
    const scope = new RequestScope(l.principal ? `key:${l.principal.keyId}` : `ip:${req.ip ?? "unknown"}`);
    res.once("close", () => {
      scope.cancel(new MedcapError("OVERLOADED", res.writableFinished ? "the request has been answered" : "the client went away"));
    });
    runInRequestScope(scope, next);
  };
}
