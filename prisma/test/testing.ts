// Test-only (the `@medcap/db/testing` export; never in the runtime image): a throwaway embedded PostgreSQL (or a fresh database on TEST_DATABASE_URL's server),
// migrated the same way production is.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Database, openDatabase } from "../src/database.js";

export interface TestDatabase extends Database {
  dataDir: string;
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-test-"));
  await chmod(dataDir, 0o755); // the embedded server runs as the postgres user when tests run as root
  const db = await openDatabase({ dataDir, poolSize: 5 });
  return {
    ...db,
    dataDir,
    close: async () => {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export { seedCase, type SeedImage } from "./fixtures.js";
