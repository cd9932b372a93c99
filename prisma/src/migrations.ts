// Offline migrations through Prisma's own schema engine compiled to WebAssembly.
//
// The Prisma CLI downloads a native schema engine at every command, which cannot work offline.
// `@prisma/schema-engine-wasm` is the same engine: `applyMigrations` is what `prisma migrate deploy`
// runs (same `_prisma_migrations` bookkeeping, same checksums, same advisory lock), so the folder
// stays usable by the plain CLI on a machine with internet.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import * as engineModule from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const schemaPath = path.join(packageRoot, "schema.prisma");
export const migrationsDir = path.join(packageRoot, "migrations");

type Engine = Awaited<ReturnType<typeof engineModule.SchemaEngine.new>>;
type MigrationList = Parameters<Engine["applyMigrations"]>[0]["migrationsList"];

interface WasmApi {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: Record<string, unknown> } }>;
}

let wasmReady: Promise<void> | undefined;

function loadWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const wasmUrl = new URL("schema_engine_bg.wasm", import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
    const bytes = await readFile(fileURLToPath(wasmUrl));
    // The package targets bundlers (it imports the .wasm as an ES module); Node needs it wired by hand.
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const { instance } = await wasm.instantiate(bytes, { "./schema_engine_bg.js": engineModule });
    engineModule.__wbg_set_wasm(instance.exports as never);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return wasmReady;
}

const noFilters = { externalTables: [], externalEnums: [] };

async function withEngine<T>(databaseUrl: string, fn: (engine: Engine, schema: string) => Promise<T>): Promise<T> {
  await loadWasm();
  const schema = await readFile(schemaPath, "utf8");
  const { adapter, close } = migrationAdapter(databaseUrl);
  const engine = await engineModule.SchemaEngine.new({ datamodels: [["schema.prisma", schema]] }, () => {}, adapter);
  try {
    return await fn(engine, schema);
  } finally {
    engine.free();
    await close();
  }
}

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;
const CHARACTER_COLUMN = 6; // ColumnTypeEnum.Character in @prisma/driver-adapter-utils

/**
 * The schema engine introspects pg_catalog columns of PostgreSQL's internal one-byte `"char"` type
 * and expects them as `Character` columns, but `@prisma/adapter-pg` 7.10 rejects that type. The
 * migration pool's clients (and only they: the class is handed to that pool) let pg decode those
 * columns as text, which it does already, and remember which columns they were, so that the column
 * types the adapter reports can be corrected.
 */
const charColumns = new WeakMap<object, number[]>();

function markCharColumns(res: pg.QueryResult | undefined): void {
  const indexes: number[] = [];
  res?.fields?.forEach((field, i) => {
    if (field.dataTypeID === PG_CHAR_OID) {
      field.dataTypeID = PG_TEXT_OID;
      indexes.push(i);
    }
  });
  if (indexes.length && res?.rows) charColumns.set(res.rows, indexes);
}

class CharColumnClient extends pg.Client {
  // pg's query has many overloads; this one forwards every form and marks the result.
  override query(...args: unknown[]): never {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === "function") {
      // pg.Pool calls client.query with a callback; direct callers get a promise.
      args[last] = (err: unknown, res: pg.QueryResult) => {
        if (!err) markCharColumns(res);
        return (callback as (e: unknown, r: unknown) => unknown)(err, res);
      };
    }
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    if (!out || typeof (out as Promise<unknown>).then !== "function") return out as never;
    return (out as Promise<pg.QueryResult>).then((res) => {
      markCharColumns(res);
      return res;
    }) as never;
  }
}

type Queryable = { queryRaw: (q: unknown) => Promise<{ columnTypes: number[]; rows: unknown[] }> };
function fixCharColumns<T extends object>(queryable: T): T {
  const q = queryable as unknown as Queryable & { startTransaction?: (...a: unknown[]) => Promise<object> };
  const queryRaw = q.queryRaw.bind(q);
  q.queryRaw = async (input) => {
    const out = await queryRaw(input);
    for (const i of charColumns.get(out.rows) ?? []) out.columnTypes[i] = CHARACTER_COLUMN;
    return out;
  };
  if (q.startTransaction) {
    const start = q.startTransaction.bind(q);
    q.startTransaction = async (...a) => fixCharColumns(await start(...a));
  }
  return queryable;
}

/**
 * Explicit pool fields instead of a connection string: the adapter creates the shadow database by
 * overriding `database`, which a connection string would silently take precedence over.
 */
function poolConfig(url: string): pg.PoolConfig {
  const u = new URL(url);
  const sslmode = u.searchParams.get("sslmode");
  return {
    host: decodeURIComponent(u.hostname),
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres",
    ssl: sslmode && sslmode !== "disable" ? { rejectUnauthorized: sslmode === "verify-full" } : undefined,
  };
}

function migrationAdapter(connectionString: string) {
  // The adapter copies this config into its shadow-database pool too, Client class included.
  const factory = new PrismaPg({ ...poolConfig(connectionString), max: 2, Client: CharColumnClient } as pg.PoolConfig);
  const opened: { dispose(): Promise<void> }[] = [];
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => {
    const adapter = fixCharColumns(await connect());
    opened.push(adapter);
    return adapter;
  };
  factory.connectToShadowDb = async () => fixCharColumns(await connectToShadowDb());
  return {
    adapter: bindMigrationAwareSqlAdapterFactory(factory),
    // The engine does not close its pool; an open session would keep Prisma's advisory lock.
    close: async () => {
      await Promise.all(opened.map((a) => a.dispose().catch(() => {})));
    },
  };
}

/** Reads the migrations folder the way the Prisma CLI does. */
export async function readMigrationList(dir = migrationsDir): Promise<MigrationList> {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    entries.map(async (name) => {
      const file = path.join(dir, name, "migration.sql");
      const content = await readFile(file, "utf8").then(
        (ok) => ({ tag: "ok" as const, value: ok }),
        (err: Error) => ({ tag: "error" as const, value: err.message }),
      );
      return { path: name, migrationFile: { path: "migration.sql", content } };
    }),
  );
  const lockContent = await readFile(path.join(dir, "migration_lock.toml"), "utf8").catch(() => null);
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: lockContent },
    shadowDbInitScript: "",
    migrationDirectories,
  } as MigrationList;
}

/** Applies every committed migration not yet applied (equivalent to `prisma migrate deploy`). */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  const migrationsList = await readMigrationList();
  return withEngine(databaseUrl, async (engine) => {
    const out = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return out.appliedMigrationNames;
  });
}

/**
 * SQL that would bring the given database to `schema.prisma`; empty when they agree. Run it on a
 * database built by `applyMigrations` to check that the committed migrations match the schema.
 * (Diffing from the migrations folder needs a shadow database, which the pg adapter drops while
 * its own pool still holds a connection; introspecting a migrated scratch database avoids that.)
 */
export async function diffDatabaseToSchema(databaseUrl: string): Promise<string> {
  return withEngine(databaseUrl, async (engine, schema) => {
    const files = [{ path: "schema.prisma", content: schema }];
    const result = await engine.diff({
      from: { tag: "schemaDatasource", files, configDir: packageRoot },
      to: { tag: "schemaDatamodel", files },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return stripEmptyDiff(result.stdout ?? "");
  });
}

function stripEmptyDiff(sql: string): string {
  const trimmed = sql.trim();
  return trimmed === "-- This is an empty migration." ? "" : trimmed;
}
