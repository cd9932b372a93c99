// The embedded vector store's one-server-per-data-folder lock, against real processes: a live
// owner refuses a second server, a killed owner's lock is stale and taken over.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MedcapError } from "./errors.js";
import { acquireServeLock, SERVE_LOCK_FILE } from "./serve.lock.js";

let dir: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "medcap-lock-"));
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

/** A process that lives until killed (bounded: it exits by itself after 60 s). */
async function liveProcess(command: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: "ignore" });
  children.push(child);
  await new Promise((r) => child.once("spawn", r));
  return child;
}

const lockOf = (pid: number) => JSON.stringify({ pid, hostname: os.hostname(), startedAt: new Date().toISOString() });

async function refusal(p: Promise<unknown>): Promise<MedcapError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MedcapError);
  return err as MedcapError;
}

describe("serve lock (embedded vector store)", () => {
  it("refuses a second server on the same data folder while the first holds it, and frees it on release", async () => {
    const first = await acquireServeLock(dir);
    const err = await refusal(acquireServeLock(dir));
    expect(err.code).toBe("CONFLICT");
    expect(err.message).toContain(`pid ${process.pid}`);
    expect(err.message).toContain("MEDCAP_VECTOR_STORE=qdrant");
    await first.release();
    expect(existsSync(path.join(dir, SERVE_LOCK_FILE))).toBe(false);
    const again = await acquireServeLock(dir);
    await again.release();
  });

  it("refuses while another live server process holds the lock; takes it over once that process is killed", async () => {
    const other = await liveProcess(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    await writeFile(path.join(dir, SERVE_LOCK_FILE), lockOf(other.pid as number));
    const err = await refusal(acquireServeLock(dir));
    expect(err.code).toBe("CONFLICT");
    expect(err.details).toMatchObject({ pid: other.pid });

    const exited = new Promise((r) => other.once("exit", r));
    other.kill("SIGKILL");
    await exited;
    const lock = await acquireServeLock(dir);
    expect(JSON.parse(await readFile(lock.path, "utf8")).pid).toBe(process.pid);
    await lock.release();
  });

  it("treats a lock whose pid now belongs to an unrelated program as stale", async () => {
    const unrelated = await liveProcess("sleep", ["60"]);
    await writeFile(path.join(dir, SERVE_LOCK_FILE), lockOf(unrelated.pid as number));
    const lock = await acquireServeLock(dir);
    expect(JSON.parse(await readFile(lock.path, "utf8")).pid).toBe(process.pid);
    await lock.release();
  });

  it("names the host of a lock taken on another machine instead of guessing whether it is alive", async () => {
    await writeFile(path.join(dir, SERVE_LOCK_FILE), JSON.stringify({ pid: 1, hostname: "elsewhere", startedAt: "then" }));
    const err = await refusal(acquireServeLock(dir));
    expect(err.code).toBe("CONFLICT");
    expect(err.message).toContain("elsewhere");
  });

  it("does not remove a lock it does not own", async () => {
    const mine = await acquireServeLock(dir);
    const other = await liveProcess(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    await writeFile(mine.path, lockOf(other.pid as number));
    await mine.release();
    expect(existsSync(mine.path)).toBe(true);
  });
});
