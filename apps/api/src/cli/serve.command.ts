import http from "node:http";
import path from "node:path";
import type { Command } from "commander";
import type { ServedRetrieval, ServedRetrievalFactory } from "../app/served.model.composition.js";
import { loadConfig } from "../config/config.js";
import { type AppContext, openAppContext } from "../app/app.context.js";
import { MedcapError } from "../core/errors.js";
import { createLogger } from "../core/logger.js";
import { acquireServeLock } from "../core/serve.lock.js";
import { BootstrapState } from "../server/bootstrap.state.js";
import { createServer, graphqlAddress, type MedcapServer } from "../app/server.composition.js";
import { createServerMetrics } from "../telemetry/server.metrics.js";
import { startingHandler } from "../server/starting.handler.js";

export interface ServeHooks {
  makeRetrieval?: ServedRetrievalFactory;
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
      const logger = createLogger(config.logLevel);
      const boot = new BootstrapState();
      // The embedded vector store lives in this process's memory: one server per data folder, and a
      // second replica on it is refused with a clear error (several replicas belong on Qdrant).
      const lock = config.vectorStore === "embedded" ? await acquireServeLock(config.dataDir) : undefined;
      // Listen first: a newcomer's first start imports and indexes for minutes, and /readyz says so.
      const front = http.createServer(startingHandler(boot));
      await new Promise<void>((resolve, reject) => {
        front.once("error", (err) =>
          reject(
            new MedcapError(
              "BAD_USER_INPUT",
              `cannot listen on ${opts.host ?? config.http.host}:${opts.port ?? config.http.port}: ${err.message}`,
            ),
          ),
        );
        front.listen(opts.port ?? config.http.port, opts.host ?? config.http.host, resolve);
      });
      const { url } = graphqlAddress(front);
      process.stdout.write(`MedCap API listening at ${url} (starting; GET /readyz reports progress)\n`);

      let ctx: AppContext | undefined;
      let retrieval: ServedRetrieval | undefined;
      let server: MedcapServer | undefined;
      const preparing = new AbortController();
      let prepared: Promise<void> = Promise.resolve();
      let stopping: Promise<void> | undefined;
      const stop = (reason: string) => {
        stopping ??= (async () => {
          logger.info({ reason }, "shutting down: draining requests");
          preparing.abort();
          await prepared;
          if (server) return server.close();
          await new Promise<void>((r) => front.close(() => r()));
          await retrieval?.close().catch(() => {});
          await ctx?.close();
        })();
        return stopping;
      };
      const stopped = new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping) {
            process.stderr.write(`${signal} again: exiting without draining\n`);
            process.exit(1);
          }
          stop(signal).then(resolve, (err) => {
            logger.error({ err }, "shutdown failed");
            process.exitCode = 1;
            resolve();
          });
        };
        for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, onSignal);
      });

      // A SIGTERM while starting (an orchestrator replacing a replica): stop() ran before these parts
      // existed, so close whatever exists now and end, instead of carrying on into a server nobody stops.
      const startupInterrupted = async () => {
        if (!stopping) return false;
        await stopping.catch(() => {});
        if (server) await server.close().catch(() => {});
        else {
          await retrieval?.close().catch(() => {});
          await ctx?.close().catch(() => {});
        }
        await lock?.release();
        return true;
      };
      try {
        ctx = await openAppContext(config, logger);
        if (await startupInterrupted()) return;
        boot.enter("model", `loading the model ${path.basename(config.modelDir)}`);
        const metrics = createServerMetrics();
        retrieval = await hooks.makeRetrieval?.(ctx, { metrics, bootstrap: boot });
        if (await startupInterrupted()) return;
        if (!retrieval) ctx.logger.warn("no retrieval core configured: search answers OVERLOADED and edits are not re-indexed");
        const core = retrieval;
        server = await createServer({
          ctx,
          retrieval,
          metrics,
          readiness: retrieval?.readiness,
          models: retrieval?.models,
          onClose: core ? () => core.close() : undefined,
          httpServer: front,
          bootstrap: boot,
        });
        if (await startupInterrupted()) return;
        await server.listen();
      } catch (err) {
        boot.fail((err as Error).message);
        await stop("start-up failed").catch(() => {});
        // A start-up that failed (or was cut short by a signal mid-step) frees the data folder too.
        await lock?.release();
        throw err;
      }
      prepared = (async () => {
        try {
          await retrieval?.prepare?.(preparing.signal);
          if (!preparing.signal.aborted) {
            boot.enter("ready");
            logger.info({ url }, "MedCap API ready");
            process.stdout.write(`MedCap API ready at ${url}\n`);
          }
        } catch (err) {
          if (preparing.signal.aborted) return;
          // The API keeps answering (the admin can show why); /readyz reports the failure.
          boot.fail((err as Error).message);
          logger.error({ err }, "start-up failed; the API answers but is not ready");
        }
      })();
      // Resolve only after shutdown: the CLI exits when this action returns.
      await stopped;
      await lock?.release();
    });
}
