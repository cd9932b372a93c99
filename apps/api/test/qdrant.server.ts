// A throwaway Qdrant server for tests and benchmarks: the binary built from Qdrant's source that the
// environment provides beside the repository (never committed), on a free loopback port with its
// own temporary storage folder, stopped with SIGTERM. A detached watchdog stops it too when the
// process that started it dies without tearing down (a crashed or killed test runner).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@medcap/db";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** MEDCAP_QDRANT_BIN, else `../shared/tools/qdrant/qdrant` beside the repository. */
export function qdrantBinary(): { path: string; found: boolean } {
  const p = path.resolve(process.env.MEDCAP_QDRANT_BIN ?? path.join(repoRoot, "..", "shared", "tools", "qdrant", "qdrant"));
  return { path: p, found: existsSync(p) };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** A free HTTP port whose successor (Qdrant's gRPC port) is free too. */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port < 65535 && (await portFree(port + 1))) return port;
  }
  throw new Error("no free pair of loopback ports for Qdrant");
}

export interface RunningQdrant {
  url: string;
  pid: number;
  storageDir: string;
  /** Resident memory of the server process in bytes (VmRSS), undefined when unreadable. */
  rssBytes(): Promise<number | undefined>;
  stop(): Promise<void>;
  /** SIGKILL, as a crashed machine: no shutdown, nothing flushed beyond what Qdrant already made durable. */
  kill(): Promise<void>;
}

export async function rssOf(pid: number): Promise<number | undefined> {
  try {
    const status = await import("node:fs/promises").then((fs) => fs.readFile(`/proc/${pid}/status`, "utf8"));
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export async function startQdrant(
  options: {
    binary?: string;
    storageDir?: string;
    port?: number;
    timeoutMs?: number;
    /** More QDRANT__… settings (a cluster peer's P2P port) and command-line arguments (--uri, --bootstrap). */
    env?: Record<string, string>;
    args?: string[];
  } = {},
): Promise<RunningQdrant> {
  const binary = options.binary ?? qdrantBinary().path;
  const ownsStorage = !options.storageDir;
  const storageDir = options.storageDir ?? (await mkdtemp(path.join(os.tmpdir(), "medcap-qdrant-")));
  await mkdir(storageDir, { recursive: true }); // spawn in a missing cwd fails as ENOENT (of the binary)
  const port = options.port ?? (await freePortPair());
  const child: ChildProcess = spawn(binary, options.args ?? [], {
    cwd: storageDir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      QDRANT__SERVICE__HOST: "127.0.0.1",
      QDRANT__SERVICE__HTTP_PORT: String(port),
      QDRANT__SERVICE__GRPC_PORT: String(port + 1),
      QDRANT__STORAGE__STORAGE_PATH: path.join(storageDir, "storage"),
      QDRANT__STORAGE__SNAPSHOTS_PATH: path.join(storageDir, "snapshots"),
      QDRANT__TELEMETRY_DISABLED: "true",
      QDRANT__LOG_LEVEL: process.env.MEDCAP_QDRANT_LOG_LEVEL ?? "WARN",
      ...options.env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${binary}`);
  // Stops the server (and removes its temporary storage) if this process dies without stop().
  const watchdog = spawn(
    "sh",
    [
      "-c",
      `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; kill -TERM ${pid} 2>/dev/null; ${
        ownsStorage ? `sleep 2; rm -rf '${storageDir}'` : "true"
      }`,
    ],
    { detached: true, stdio: "ignore" },
  );
  watchdog.unref();

  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`qdrant exited with ${child.exitCode} before it was ready:\n${stderr}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`qdrant did not become ready at ${url} within ${options.timeoutMs ?? 30_000} ms:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    pid,
    storageDir,
    rssBytes: () => rssOf(pid),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (ownsStorage) await rm(storageDir, { recursive: true, force: true });
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}
