// One server per data folder while the embedded vector store serves: that store lives in the
// process's memory, so a second replica on the same folder would answer from its own copy and never
// see the other's edits. A lock file (created exclusively, holding the owner's pid) refuses the
// second one with a clear error. A lock whose owner is gone (killed, crashed, machine rebooted) is
// stale and is taken over; several replicas belong on Qdrant (MEDCAP_VECTOR_STORE=qdrant).
import { readFileSync, unlinkSync } from "node:fs";
import { mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MedcapError } from "./errors.js";

export const SERVE_LOCK_FILE = "serve.lock";

interface LockRecord {
  pid: number;
  hostname: string;
  startedAt: string;
}

export interface ServeLock {
  path: string;
  release(): Promise<void>;
}

/** Whether `pid` is a live process that could be a MedCap server (not a recycled pid of something else). */
function ownerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false; // ESRCH: no such process
  }
  try {
    // A pid reused by an unrelated program after a reboot or crash: not our server.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return /node|medcap/.test(cmdline);
  } catch {
    return true; // no /proc (or not ours to read): trust the pid
  }
}

async function readRecord(file: string): Promise<LockRecord | undefined> {
  try {
    const r = JSON.parse(await readFile(file, "utf8")) as Partial<LockRecord>;
    return typeof r.pid === "number" && typeof r.hostname === "string" ? (r as LockRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Takes `<dataDir>/serve.lock` for this process, or throws CONFLICT naming the server that holds it. */
export async function acquireServeLock(dataDir: string): Promise<ServeLock> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, SERVE_LOCK_FILE);
  const mine: LockRecord = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() };
  // Bounded: each round either creates the file or removes one stale lock.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, "wx");
      await handle.writeFile(`${JSON.stringify(mine)}\n`);
      await handle.close();
      const releaseSync = () => {
        try {
          if (JSON.parse(readFileSync(file, "utf8")).pid === process.pid) unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.once("exit", releaseSync);
      return {
        path: file,
        release: async () => {
          process.removeListener("exit", releaseSync);
          const held = await readRecord(file);
          if (held?.pid === process.pid) await unlink(file).catch(() => {});
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const held = await readRecord(file);
    if (held && held.hostname !== os.hostname()) {
      throw new MedcapError(
        "CONFLICT",
        `${file} is held by pid ${held.pid} on ${held.hostname} (since ${held.startedAt}); the embedded vector store serves one process per data folder. If that server is gone, delete the file; to run several replicas, use MEDCAP_VECTOR_STORE=qdrant`,
        { lock: file, pid: held.pid, hostname: held.hostname },
      );
    }
    if (held && ownerAlive(held.pid)) {
      throw new MedcapError(
        "CONFLICT",
        `another MedCap server (pid ${held.pid}, since ${held.startedAt}) already serves the embedded vector store from ${dataDir}; the embedded store lives in one process's memory, so a second replica on this folder would serve stale results. Stop that server, or run replicas with MEDCAP_VECTOR_STORE=qdrant`,
        { lock: file, pid: held.pid },
      );
    }
    // Unreadable and new: another server created it a moment ago and is still writing its pid.
    if (!held && Date.now() - (await stat(file).catch(() => ({ mtimeMs: 0 }))).mtimeMs < 2000) {
      throw new MedcapError("CONFLICT", `another MedCap server is starting on ${dataDir} (${file} was just created)`, { lock: file });
    }
    // Stale (owner gone) or unreadable and old (a crash while writing it): take it over.
    await unlink(file).catch(() => {});
  }
  throw new MedcapError("CONFLICT", `could not take ${file}: another process keeps creating it`, { lock: file });
}
