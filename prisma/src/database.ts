import { startEmbeddedPostgres, type EmbeddedServer } from "./embedded.js";
import { applyMigrations } from "./migrations.js";
import { createPrismaClient, type PrismaClient } from "./client.js";

export interface DatabaseOptions {
  /** An external server; when absent an embedded PostgreSQL is started under `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  embeddedPort?: number;
  /** Where a root process keeps PostgreSQL binaries/clusters that the `postgres` user cannot reach in place. */
  pgSystemDir?: string;
  poolSize?: number;
  log?: (message: string) => void;
}

export interface Database {
  prisma: PrismaClient;
  url: string;
  embedded: boolean;
  /** Migrations applied by this start (empty when the schema was already current). */
  applied: string[];
  close(): Promise<void>;
}

/** Connects (starting embedded PostgreSQL if needed), applies pending migrations, returns a client. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let server: EmbeddedServer | undefined;
  let url = options.databaseUrl;
  if (!url) {
    server = await startEmbeddedPostgres({
      dataDir: options.dataDir,
      port: options.embeddedPort ?? 0,
      systemDir: options.pgSystemDir,
      log: options.log,
    });
    url = server.url;
  }
  try {
    const applied = await applyMigrations(url);
    if (applied.length) options.log?.(`applied migrations: ${applied.join(", ")}`);
    const prisma = createPrismaClient(url, options.poolSize);
    let closed = false;
    return {
      prisma,
      url,
      embedded: Boolean(server),
      applied,
      close: async () => {
        if (closed) return;
        closed = true;
        await prisma.$disconnect();
        await server?.stop();
      },
    };
  } catch (err) {
    await server?.stop();
    throw err;
  }
}
