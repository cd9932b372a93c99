// Builds the shared core once per process (CLI command or server) and tears it down cleanly.
import { mkdir } from "node:fs/promises";
import { type Database, openDatabase } from "@medcap/db";
import type { Config } from "../config/config.js";
import { ImageStore } from "./image.store.js";
import { createLogger, type Logger } from "./logger.js";

export interface AppContext {
  config: Config;
  logger: Logger;
  db: Database;
  images: ImageStore;
  close(): Promise<void>;
}

export async function openAppContext(config: Config, logger = createLogger(config.logLevel)): Promise<AppContext> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o755 });
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    embeddedPort: config.embeddedPgPort,
    pgSystemDir: config.pgSystemDir,
    log: (m) => logger.info(m),
  });
  const closers: (() => Promise<void>)[] = [() => db.close()];
  return {
    config,
    logger,
    db,
    images: new ImageStore(config.imagesDir),
    close: async () => {
      for (const close of closers.reverse()) await close().catch((err) => logger.error({ err }, "close failed"));
    },
  };
}
