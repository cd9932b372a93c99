import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, diffDatabaseToSchema, migrationsDir } from "../src/index.js";
import { openTestDatabase, type TestDatabase } from "./testing.js";
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

describe("migrations", () => {
  it("agree with schema.prisma (a database built from them needs no further change)", async () => {
    const sql = await diffDatabaseToSchema(db.url);
    expect(sql, `schema.prisma changed without a migration; run npm run migrate:new -w @medcap/db -- <name>\n${sql}`).toBe("");
  });

  it("keep Prisma's own bookkeeping, so `prisma migrate deploy` sees the same history", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const rows = (
      await client.query("select migration_name, checksum, finished_at, rolled_back_at from _prisma_migrations order by migration_name")
    ).rows;
    await client.end();
    const folders = (await readdir(migrationsDir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(rows.map((r) => r.migration_name)).toEqual(folders);
    for (const row of rows) {
      const sql = await readFile(path.join(migrationsDir, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
    }
  });

  it("are idempotent: applying again applies nothing", async () => {
    expect(await applyMigrations(db.url)).toEqual([]);
  });

  it("leave nothing behind that keeps a finished process alive (the schema engine's 10 s timers)", async () => {
    // A clean process holds no other timer, so any Timeout left after migrating is the engine's.
    const script = `const m = await import(${JSON.stringify(pathToFileURL(path.resolve("src/migrations.ts")).href)});
      await m.applyMigrations(process.env.URL); await m.diffDatabaseToSchema(process.env.URL);
      console.log(JSON.stringify(process.getActiveResourcesInfo()));`;
    const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, URL: db.url },
    });
    expect(JSON.parse(stdout)).not.toContain("Timeout");
  });

  it("apply to a fresh database and create every table the client uses", async () => {
    expect(db.applied.length).toBeGreaterThan(0);
    const counts = await Promise.all([db.prisma.case.count(), db.prisma.embedding.count(), db.prisma.job.count()]);
    expect(counts).toEqual([0, 0, 0]);
  });
});
