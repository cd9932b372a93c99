// The HTTP server: Express 5 + Apollo Server 5, uploads, auth, health, metrics, image files, the
// job worker, and a shutdown that drains before it closes the core. It constructs no service: the
// composition root (app/server.composition.ts) builds the services, job queue, worker, API keys and
// rate limiter and hands them over (ServerParts).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express, { type NextFunction, type Request, type Response } from "express";
import graphqlUploadExpress from "graphql-upload/graphqlUploadExpress.mjs";
import type { AppContext } from "../core/app.context.js";
import { databaseDownLog } from "../core/rate-limited.log.js";
import { classifyError, formatError } from "../graphql/error.format.js";
import type { GraphQLContext, GraphQLServices } from "../graphql/graphql.context.js";
import { createLoaders } from "../graphql/graphql.loaders.js";
import { observabilityPlugin } from "../graphql/graphql.plugins.js";
import { buildResolvers } from "../graphql/graphql.resolvers.js";
import { loadTypeDefs } from "../graphql/graphql.schema.js";
import { checkSourceNesting, DEFAULT_QUERY_LIMITS, depthLimitRule, type QueryLimits } from "../graphql/query.limits.js";
import type { ApiKeyService } from "../auth/api-key.service.js";
import type { RateLimiter } from "../auth/rate.limiter.js";
import type { JobQueue } from "../jobs/job.queue.js";
import type { JobWorker } from "../jobs/job.worker.js";
import type { RetrievalPort } from "../search/search.types.js";
import { authenticate } from "./auth.middleware.js";
import { databaseCheck, healthRouter, type ReadinessCheck, readiness } from "./health.routes.js";
import { imageRouter } from "./image.route.js";
import type { BootstrapState } from "./bootstrap.state.js";
import { locals, requestContext, requestScope, sendError } from "./request.context.js";
import { securityHeaders } from "./security.headers.js";
import { createServerMetrics, metricsHandler, registerJobGauge, type ServerMetrics } from "../telemetry/server.metrics.js";
import { type StageSink, withStageTimes } from "../core/stage.timer.js";
import { processRequestInMemory } from "./upload.memory.js";

/** The GraphQL URL of a listening server. */
export function graphqlAddress(server: http.Server): { url: string; port: number } {
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return { url: `http://${shownHost}:${address.port}/graphql`, port: address.port };
}

/** Body limit for requests without a valid key (they can only reach `health`). */
const ANONYMOUS_BODY_LIMIT = 64 * 1024;

/** What the server is handed by the composition root (app/server.composition.ts). */
export interface ServerParts {
  /** The GraphQL services; `health` is the server's own (it knows the readiness checks). */
  services: Omit<GraphQLServices, "health">;
  queue: JobQueue;
  /** Undefined when the worker is off. */
  worker: JobWorker | undefined;
  keys: ApiKeyService;
  limiter: RateLimiter;
}

export interface CreateHttpServerOptions {
  ctx: AppContext;
  parts: ServerParts;
  /** The retrieval core; without it search answers OVERLOADED and edits are not re-indexed. */
  retrieval: RetrievalPort | undefined;
  /** Extra readiness checks for /readyz and `health` (vector store loaded, model loaded…). */
  readiness?: ReadinessCheck[];
  /** Pass one to add retrieval metrics to the same registry before the server exists. */
  metrics?: ServerMetrics;
  queryLimits?: Partial<QueryLimits>;
  /** Run after draining and before ctx.close() (e.g. closing the retrieval core's sessions). */
  onClose?: () => Promise<void>;
  /** Whether close() also closes ctx (stopping embedded Postgres). Default true. */
  ownsContext?: boolean;
  /**
   * An HTTP server that is already listening (answering "starting" while the core was built): the
   * app takes over its requests, and listen() only starts the job worker.
   */
  httpServer?: http.Server;
  /** Start-up progress: /readyz answers 503 with the phase until it is ready. */
  bootstrap?: BootstrapState;
  /** Receives every request's stage timings (medcap bench); without it nothing is timed. */
  stageSink?: StageSink;
  /** How often the `medcap_jobs` gauge re-counts jobs in Postgres (default 15 s; scrapes never query). */
  jobGaugeRefreshMs?: number;
}

export interface MedcapServer {
  app: express.Express;
  httpServer: http.Server;
  metrics: ServerMetrics;
  worker: JobWorker | undefined;
  services: GraphQLServices;
  /** Starts listening (port 0 picks a free one) and the job worker; resolves with the URL. */
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>;
  /** Stops accepting, drains in-flight requests, stops the worker, then closes the core. */
  close(): Promise<void>;
}

export async function createHttpServer(options: CreateHttpServerOptions): Promise<MedcapServer> {
  const { ctx, retrieval } = options;
  const { queue, worker, keys, limiter } = options.parts;
  const { config, logger } = ctx;
  const prisma = ctx.db.prisma;
  const metrics = options.metrics ?? createServerMetrics();
  const limits = { ...DEFAULT_QUERY_LIMITS, maxEncodes: config.limits.maxEncodesPerRequest, ...options.queryLimits };
  const startedAt = Date.now();

  const checks = [databaseCheck(prisma), ...(options.readiness ?? [])];
  let healthProbe: ReturnType<typeof readiness> | undefined;
  const services: GraphQLServices = {
    ...options.parts.services,
    // Concurrent requests share one probe in flight: anonymous callers cannot queue the pool with them.
    health: async () => {
      healthProbe ??= readiness(checks).finally(() => {
        healthProbe = undefined;
      });
      const report = await healthProbe;
      const others = Object.entries(report.checks).filter(([name]) => name !== "database");
      return {
        database: report.checks.database?.ok ?? false,
        retrieval: Boolean(retrieval) && others.every(([, r]) => r.ok),
        uptimeSeconds: (Date.now() - startedAt) / 1000,
      };
    },
  };

  const stopJobGauge = registerJobGauge(metrics, () => queue.countByStatus(), options.jobGaugeRefreshMs);

  const app = express();
  app.disable("x-powered-by");
  // Off unless configured (MEDCAP_TRUST_PROXY): otherwise req.ip would come from a header the client writes.
  app.set("trust proxy", config.http.trustProxy);
  const httpServer = options.httpServer ?? http.createServer(app);

  const apollo = new ApolloServer<GraphQLContext>({
    typeDefs: loadTypeDefs(),
    resolvers: buildResolvers() as never,
    introspection: config.introspection,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    // "Did you mean …?" would list field names that introspection being off is meant to keep private.
    hideSchemaDetailsFromClientErrors: !config.introspection,
    stopOnTerminationSignals: false,
    formatError,
    validationRules: [depthLimitRule(limits.maxDepth)],
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      observabilityPlugin(metrics, limits),
      ...(config.introspection ? [] : [ApolloServerPluginLandingPageDisabled()]),
    ],
  });
  await apollo.start();

  // base64 inflates by 4/3; leave room for the rest of the JSON body.
  const jsonLimit = Math.ceil((config.limits.maxUploadBytes * 4) / 3) + 256 * 1024;

  app.use(requestContext(logger, metrics, options.stageSink));
  app.use(securityHeaders({ landingPage: config.introspection }));
  app.use(healthRouter(() => checks, options.bootstrap));
  app.get("/metrics", metricsHandler(metrics, config.metricsToken));
  app.use("/images", authenticate(keys, limiter), imageRouter(prisma, ctx.images, config.limits.maxPixels));
  // Only callers with a valid key may send large bodies or files; `health` needs neither.
  const jsonForKeys = express.json({ limit: jsonLimit });
  const jsonForAnonymous = express.json({ limit: ANONYMOUS_BODY_LIMIT });
  app.use(
    "/graphql",
    authenticate(keys, limiter),
    (req: Request, res: Response, next: NextFunction) => {
      const l = locals(res);
      if (l.principal) return jsonForKeys(req, res, next);
      if (req.is("multipart/form-data")) {
        const err = l.authError;
        return sendError(res, 401, "UNAUTHENTICATED", err?.message ?? "uploads need an API key: send Authorization: Bearer <secret>");
      }
      return jsonForAnonymous(req, res, next);
    },
    // One byte over the limit so our own check (with its clearer message) is the one that fires.
    // Files stay in memory (never in a temp file a crash would leave behind with a DICOM's PHI).
    graphqlUploadExpress({
      processRequest: processRequestInMemory as never,
      maxFileSize: config.limits.maxUploadBytes + 1,
      maxFiles: 2,
      maxFieldSize: jsonLimit,
    }),
    // Before graphql-js parses it: its recursive parser overflows the stack on thousands of nested braces.
    (req: Request, res: Response, next: NextFunction) => {
      const body: unknown = req.body;
      const sources = (Array.isArray(body) ? body : [body ?? req.query]).map((b) => (b as { query?: unknown } | null)?.query);
      for (const source of sources) {
        try {
          checkSourceNesting(source);
        } catch (err) {
          return sendError(res, 400, "BAD_USER_INPUT", (err as Error).message, "QUERY_TOO_DEEP");
        }
      }
      next();
    },
    requestScope(),
    (_req: Request, res: Response, next: NextFunction) => {
      const timing = locals(res).timing;
      if (!timing) return next();
      // Body and uploads are parsed: GraphQL starts here, and everything it awaits carries the timings.
      timing.apolloAt = performance.now();
      withStageTimes(timing.times, next);
    },
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const l = locals(res);
        const operation = { name: undefined, label: undefined };
        l.operation = operation;
        return {
          requestId: l.requestId,
          logger: l.log,
          principal: l.principal,
          authError: l.authError,
          loaders: createLoaders(prisma),
          services,
          operation,
        };
      },
    }),
  );
  // Unknown routes: the same JSON error shape as everything else, not Express's HTML page.
  app.use((req: Request, res: Response) => {
    sendError(res, 404, "NOT_FOUND", `no route ${req.method} ${req.path.slice(0, 200)}`);
  });
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: number }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return sendError(res, status, "BAD_USER_INPUT", status === 413 ? "request body too large" : (err as Error).message);
    }
    const c = classifyError(err);
    if (c.code === "SERVICE_UNAVAILABLE") {
      // E.g. the key lookup before GraphQL runs, while PostgreSQL restarts.
      databaseDownLog.note(() => locals(res).log, err);
      res.setHeader("Retry-After", String(c.retryAfterSeconds ?? 5));
      return sendError(res, 503, c.code, c.message);
    }
    locals(res).log.error({ err }, "unhandled error");
    sendError(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    httpServer,
    metrics,
    worker,
    services,
    listen: (port = config.http.port, host = config.http.host) =>
      new Promise((resolve, reject) => {
        const started = () => {
          worker?.start();
          resolve(graphqlAddress(httpServer));
        };
        if (options.httpServer) {
          // A server handed over (often already listening): from now on the app answers every request.
          httpServer.removeAllListeners("request");
          httpServer.on("request", app);
        }
        if (httpServer.listening) return started();
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          httpServer.off("error", reject);
          started();
        });
      }),
    close: () => {
      closing ??= (async () => {
        // Apollo's drain plugin closes the listener, waits for in-flight requests, then idle sockets.
        await apollo.stop();
        if (httpServer.listening) await new Promise<void>((r) => httpServer.close(() => r()));
        await worker?.stop();
        stopJobGauge();
        await options.onClose?.().catch((err) => logger.error({ err }, "onClose failed"));
        if (options.ownsContext !== false) await ctx.close();
      })();
      return closing;
    },
  };
}
