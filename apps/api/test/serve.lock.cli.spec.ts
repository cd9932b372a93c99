// The embedded vector store's one-server-per-data-folder rule as an operator meets it: a second
// `medcap serve` on a folder another server is serving exits at once with a clear error, and after
// the first one stops, serving the folder works again.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startCli } from "./cli.run.js";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-serve-lock-"));
  await chmod(dataDir, 0o755);
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});
// A server that outlives a failed test is killed here, never left behind.
const started: ReturnType<typeof startCli>[] = [];
const serve = (env: Record<string, string>) => {
  const run = startCli(["serve", "--port", "0"], env);
  started.push(run);
  return run;
};
afterEach(async () => {
  for (const run of started.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
    await run.done;
  }
});

/**
 * Whether the lock file is gone within a few seconds: the CLI runs under a wrapper process (tsx), which
 * may exit a moment before the server it relayed the signal to has finished removing its lock.
 */
async function lockGone(dir: string, ms = 10_000): Promise<boolean> {
  const file = path.join(dir, "serve.lock");
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (!existsSync(file)) return true;
  return !existsSync(file);
}

/** Resolves once the server is ready (it took the lock before it listened). */
function listening(run: ReturnType<typeof startCli>): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    run.child.stdout?.on("data", (d) => {
      out += d;
      if (out.includes("ready at")) resolve();
    });
    run.done.then((r) => reject(new Error(`serve exited with ${r.code}: ${r.stderr}`)));
  });
}

describe("medcap serve with the embedded vector store", () => {
  it("refuses a second server on the same data folder, naming the first, and frees the folder when the first stops", async () => {
    const env = { MEDCAP_DATA_DIR: dataDir, MEDCAP_VECTOR_STORE: "embedded" };
    const first = serve(env);
    try {
      await listening(first);
      const second = await serve(env).done;
      expect(second.code).not.toBe(0);
      expect(second.stderr).toContain(`another MedCap server (pid ${first.child.pid}`);
      expect(second.stderr).toContain("MEDCAP_VECTOR_STORE=qdrant");
    } finally {
      first.child.kill("SIGTERM");
      await first.done;
    }
    expect(await lockGone(dataDir)).toBe(true);
  }, 90_000);

  it("stops when told to while still starting, instead of carrying on into a server nobody stops", async () => {
    const run = serve({ MEDCAP_DATA_DIR: dataDir, MEDCAP_VECTOR_STORE: "embedded" });
    await new Promise<void>((resolve, reject) => {
      let out = "";
      run.child.stdout?.on("data", (d) => {
        out += d;
        if (out.includes("listening at")) resolve(); // listening, still starting (database, model)
      });
      run.done.then((r) => reject(new Error(`serve exited with ${r.code}: ${r.stderr}`)));
    });
    run.child.kill("SIGTERM");
    const result = await run.done;
    expect(result.stdout).not.toContain("ready at");
    // Removed, or (when a dependency re-raised the signal and the process died by it before its exit
    // handlers ran) left by a dead owner, which the next server takes over as stale: either way the
    // folder is free, which serving it again proves.
    if (!(await lockGone(dataDir, 3_000))) {
      const owner = JSON.parse(readFileSync(path.join(dataDir, "serve.lock"), "utf8")) as { pid: number };
      expect(() => process.kill(owner.pid, 0)).toThrow();
    }
    const again = serve({ MEDCAP_DATA_DIR: dataDir, MEDCAP_VECTOR_STORE: "embedded" });
    await listening(again);
    again.child.kill("SIGTERM");
    await again.done;
  }, 90_000);
});
