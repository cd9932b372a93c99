// Embedded PostgreSQL where a root process's data folder sits under a private (0700) parent, as in
// root's home or any `mktemp -d`: the server's `postgres` user cannot reach it in place.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, removeRelocatedCluster } from "../src/index.js";
import { reachableBy } from "../src/postgres.runtime.js";

const isRoot = process.getuid?.() === 0;
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

function postgresProcessesOn(dir: string): string[] {
  return execFileSync("ps", ["-eo", "args="], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.includes(dir) && l.includes("postgres"));
}

describe("reachableBy", () => {
  it("needs search permission on every parent folder", async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), "medcap-reach-"));
    cleanup.push(parent);
    const someoneElse = { uid: 65534, gid: 65534, groups: [] };
    await chmod(parent, 0o700);
    expect(reachableBy(someoneElse, path.join(parent, "data"))).toBe(false);
    await chmod(parent, 0o711);
    expect(reachableBy(someoneElse, parent)).toBe(true);
  });
});

describe.skipIf(!isRoot)("as root under a 0700 parent", () => {
  it("runs PostgreSQL as the postgres user with the cluster outside the private folder, and stops it cleanly", async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), "medcap-root-"));
    cleanup.push(parent);
    const dataDir = path.join(parent, "data");
    const systemDir = path.join(await mkdtemp(path.join("/var/tmp", "medcap-system-")), "sys");
    cleanup.push(path.dirname(systemDir));
    await chmod(path.dirname(systemDir), 0o755);

    const db = await openDatabase({ dataDir, pgSystemDir: systemDir });
    const cluster = readFileSync(path.join(dataDir, "postgres-cluster.txt"), "utf8").trim();
    expect(cluster.startsWith(systemDir)).toBe(true);
    expect(existsSync(path.join(cluster, "PG_VERSION"))).toBe(true);
    expect(await db.prisma.case.count()).toBe(0);
    expect(postgresProcessesOn(cluster).length).toBeGreaterThan(0);
    await db.close();
    expect(postgresProcessesOn(cluster)).toEqual([]);

    // A later start finds the same cluster (and its data) again.
    const again = await openDatabase({ dataDir, pgSystemDir: systemDir });
    expect(again.applied).toEqual([]);
    await again.close();
    await removeRelocatedCluster(dataDir);
    expect(existsSync(cluster)).toBe(false);
  }, 120_000);
});

describe("supervision", () => {
  it("restarts a PostgreSQL that was killed, and the client reconnects without being rebuilt", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-kill-"));
    cleanup.push(dataDir);
    await chmod(dataDir, 0o755);
    const events: string[] = [];
    const db = await openDatabase({ dataDir, log: (m) => events.push(m) });
    try {
      await db.prisma.dataset.create({ data: { name: "before-the-crash", source: "test" } });
      const cluster = existsSync(path.join(dataDir, "postgres-cluster.txt"))
        ? readFileSync(path.join(dataDir, "postgres-cluster.txt"), "utf8").trim()
        : path.join(dataDir, "postgres");
      const pid = Number(readFileSync(path.join(cluster, "postmaster.pid"), "utf8").split("\n")[0]);
      process.kill(pid, "SIGKILL");
      const restarted = () => events.some((e) => e.includes("is back"));
      for (const until = Date.now() + 90_000; !restarted() && Date.now() < until; ) await new Promise((r) => setTimeout(r, 250));
      expect(events.join("\n")).toContain("exited unexpectedly");
      expect(restarted(), events.join("\n")).toBe(true);
      // The pool drops connections that died with the old server and opens new ones.
      let count: number | undefined;
      for (let attempt = 0; count === undefined && attempt < 20; attempt++) {
        count = await db.prisma.dataset.count({ where: { name: "before-the-crash" } }).catch(async () => {
          await new Promise((r) => setTimeout(r, 250));
          return undefined;
        });
      }
      expect(count).toBe(1);
    } finally {
      await db.close();
      await removeRelocatedCluster(dataDir);
    }
  }, 150_000);
});
