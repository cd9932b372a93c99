// Opens the shared core once per process (a CLI command or the server): the database (embedded
// PostgreSQL unless DATABASE_URL is set) and the image store, torn down cleanly by close().
import { mkdir } from "node:fs/promises";
import { openDatabase } from "@medcap/db";
import type { Config } from "../config/config.js";
import type { AppContext } from "../core/app.context.js";
import { ImageStore } from "../core/image.store.js";
import { createLogger } from "../core/logger.js";

export type { AppContext };

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
