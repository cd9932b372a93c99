// The README's first command on a fresh clone, as a newcomer types it: `npm ci && npm start` in a
// clone inside a private (0700) temporary folder, which as root is the case that once failed. Then
// the API must say it is starting while it imports and indexes, become ready, answer a text search
// and an image caption, serve the admin's login page, and stop cleanly on Ctrl-C (SIGINT to the
// process group) without leaving a PostgreSQL behind.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort } from "@medcap/db";
import { afterAll, describe, expect, it } from "vitest";
import { medpixDir, repoRoot } from "../api/medcap.process.js";

const README_FIRST_COMMAND = "npm ci && npm start";
const STARTUP_TIMEOUT_MS = 20 * 60_000;

/** The environment of a person at a shell: none of the outer npm/turbo/vitest run's variables. */
function shellEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|INIT_CWD$|TURBO_(?!TELEMETRY)|VITEST|NODE_OPTIONS$|MEDCAP_|PORT$|ADMIN_PORT$|API_URL$|DATABASE_URL$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Processes whose command line mentions `needle` (ours are found by the clone's or cluster's path). */
function processesMentioning(needle: string): string[] {
  const out = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((line) => line.includes(needle) && !line.includes("ps -eo"))
    .map((l) => l.trim());
}

function exitOf(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

describe("fresh clone: the README's first command", () => {
  let parent = "";
  let child: ChildProcess | undefined;
  let output = "";
  const logs = () => output.slice(-6000);

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (!parent) return;
    const recorded = path.join(parent, "data", "postgres-cluster.txt");
    const cluster = existsSync(recorded) ? readFileSync(recorded, "utf8").trim() : "";
    for (const line of processesMentioning(cluster || parent)) {
      const pid = Number(line.split(/\s+/)[0]);
      if (pid) process.kill(pid, "SIGKILL");
    }
    if (cluster && !cluster.startsWith(parent)) {
      await rm(cluster, { recursive: true, force: true });
      await rm(`${cluster}.owner`, { force: true });
    }
    await rm(parent, { recursive: true, force: true });
  });

  it(
    "installs, starts, reports its start-up, answers search and caption, serves the admin, and stops on Ctrl-C",
    async () => {
      parent = await mkdtemp(path.join(os.tmpdir(), "medcap-fresh-"));
      expect(statSync(parent).mode & 0o777).toBe(0o700);
      const clone = path.join(parent, "medcap");
      execFileSync("git", ["clone", "--quiet", repoRoot, clone]);
      const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: clone, encoding: "utf8" }).trim();
      console.log(`fresh-clone smoke: commit ${commit} in ${clone} (uid ${process.getuid?.()})`);

      const [apiPort, adminPort] = [await freePort(), await freePort()];
      const api = `http://127.0.0.1:${apiPort}`;
      const env = shellEnv({
        MEDCAP_DATA_DIR: path.join(parent, "data"),
        PORT: String(apiPort),
        ADMIN_PORT: String(adminPort),
        MEDPIX_DIR: medpixDir,
        MEDCAP_LOG_LEVEL: "info",
      });
      // Its own process group, so that SIGINT reaches every process as a terminal's Ctrl-C would.
      child = spawn("sh", ["-c", README_FIRST_COMMAND], { cwd: clone, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout?.on("data", (d) => (output += d));
      child.stderr?.on("data", (d) => (output += d));
      const exited = exitOf(child, STARTUP_TIMEOUT_MS + 120_000);

      // Ready: /readyz 200. On the way it must have listened and said "starting" with a phase.
      const phases = new Set<string>();
      const deadline = Date.now() + STARTUP_TIMEOUT_MS;
      let ready = false;
      while (!ready) {
        if (child.exitCode !== null) throw new Error(`"${README_FIRST_COMMAND}" exited with ${child.exitCode}:\n${logs()}`);
        if (Date.now() > deadline) throw new Error(`not ready after ${STARTUP_TIMEOUT_MS} ms; phases seen ${[...phases]}:\n${logs()}`);
        try {
          const res = await fetch(`${api}/readyz`, { signal: AbortSignal.timeout(5000) });
          const body = (await res.json()) as { status: string; phase?: string };
          if (res.status === 200) ready = true;
          else if (body.status === "starting" && body.phase) phases.add(body.phase);
          else if (body.status === "failed") throw new Error(`start-up failed: ${JSON.stringify(body)}\n${logs()}`);
        } catch (err) {
          if ((err as Error).message.startsWith("start-up failed")) throw err;
        }
        if (!ready) await new Promise((r) => setTimeout(r, 1000));
      }
      expect(
        [...phases].some((p) => p === "import" || p === "index"),
        `phases seen while starting: ${[...phases]}`,
      ).toBe(true);

      // A key, made the way the README says (the CLI attaches to the running embedded PostgreSQL).
      const created = execFileSync(
        process.execPath,
        ["apps/api/bin/medcap.mjs", "keys", "create", "--role", "viewer", "--label", "smoke", "--json"],
        {
          cwd: clone,
          env: { ...env, MEDCAP_LOG_LEVEL: "warn" },
          encoding: "utf8",
        },
      );
      const { secret } = JSON.parse(created) as { secret: string };
      const gql = async (query: string, variables: Record<string, unknown>) => {
        const res = await fetch(`${api}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await res.json()) as { data?: Record<string, unknown[]>; errors?: unknown[] };
        expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
        return body.data ?? {};
      };
      const found = await gql("query($t: String!) { searchImages(text: $t, k: 3) { score image { id } } }", { t: "axial CT of the brain" });
      expect(found.searchImages).toHaveLength(3);
      const descriptions = await readFile(path.join(medpixDir, "MedPix-2-0", "splitted_dataset", "descriptions_dev.jsonl"), "utf8");
      const firstImage = (JSON.parse(descriptions.split("\n")[0] ?? "{}") as { image: string }).image;
      const file = path.join(medpixDir, "MedPix-2-0", "images", `${firstImage}.png`);
      const captions = await gql("query($b: String!) { captionImage(image: { base64: $b }, k: 3) { text score } }", {
        b: (await readFile(file)).toString("base64"),
      });
      expect(captions.captionImage?.length).toBeGreaterThan(0);

      const login = await fetch(`http://127.0.0.1:${adminPort}/login`);
      expect(login.status).toBe(200);
      expect(await login.text()).toContain("Sign in");

      // Ctrl-C: every process of the group gets SIGINT, as from a terminal. The non-interactive `sh`
      // ends by that signal (as a shell reports a Ctrl-C'd job); what it ran must end on its own,
      // the API after draining and with exit code 0, and nothing may be left behind.
      process.kill(-(child.pid as number), "SIGINT");
      const { code, signal } = await exited;
      expect(code === 0 || signal === "SIGINT", `sh ended with ${code ?? signal}`).toBe(true);
      const recorded = path.join(parent, "data", "postgres-cluster.txt");
      const cluster = existsSync(recorded) ? readFileSync(recorded, "utf8").trim() : path.join(parent, "data", "postgres");
      const leftovers = () => [...processesMentioning(cluster), ...processesMentioning(clone)];
      for (const until = Date.now() + 60_000; leftovers().length && Date.now() < until; ) await new Promise((r) => setTimeout(r, 500));
      expect(leftovers(), `still running 60 s after Ctrl-C:\n${logs()}`).toEqual([]);
      expect(output).toContain("shutting down: draining requests");
      expect(output).toContain("api exited (0)");
    },
    STARTUP_TIMEOUT_MS + 300_000,
  );
});
