// scripts/cluster-local.sh: the scale-out shape on this machine, from the provided Qdrant binary.
// Three Qdrant peers in distributed mode (own storage each, under one temporary folder), one
// PostgreSQL (embedded, owned by this process so that either API replica can be killed alone), and
// two `medcap serve` replicas on loopback ports, each with every peer in QDRANT_URL (starting at a
// different one). Everything started here is stopped on exit (Ctrl-C, SIGTERM, --for, an error).
//
//   scripts/cluster-local.sh                  # import + index MedPix (first run: minutes), then serve until Ctrl-C
//   scripts/cluster-local.sh --no-import      # an empty catalogue, up in seconds
//   scripts/cluster-local.sh --for 30         # stop by itself after 30 s
//   scripts/cluster-local.sh --bench --qdrant-sizes 50000   # only the peers: medcap bench --qdrant-only
//                                             # against them (3 shards × 2 copies), then stop; the rest
//                                             # of the arguments go to medcap bench
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbeddedPostgres } from "@medcap/db";
import { startQdrantCluster } from "./qdrant.cluster.js";
import { qdrantBinary } from "./qdrant.server.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const bin = path.join(repoRoot, "apps", "api", "bin", "medcap.mjs");
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const log = (m: string) => process.stderr.write(`cluster-local: ${m}\n`);

function run(argv: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`medcap ${argv.join(" ")} exited with ${code}`))));
  });
}

function serve(name: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "serve", "--port", "0"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${name} did not become ready in 300 s:\n${out.slice(-3000)}`)), 300_000);
    const onData = (d: Buffer) => {
      out = (out + d).slice(-20_000);
      const m = /ready at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve({ url: m[1] as string, child });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${out.slice(-3000)}`));
    });
  });
}

async function main() {
  const qbin = qdrantBinary();
  if (!qbin.found) {
    log(`QDRANT CLUSTER SKIPPED: no Qdrant binary at ${qbin.path} (set MEDCAP_QDRANT_BIN)`);
    process.exitCode = 2;
    return;
  }
  const base = await mkdtemp(path.join(os.tmpdir(), "medcap-cluster-local-"));
  // Run as root, PostgreSQL runs as the postgres user, which must reach its folder in place.
  await chmod(base, 0o755);
  const replicas: ChildProcess[] = [];
  let cluster: Awaited<ReturnType<typeof startQdrantCluster>> | undefined;
  let pg: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      log("stopping: API replicas, Qdrant peers, PostgreSQL");
      await Promise.all(
        replicas.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              const timer = setTimeout(() => c.kill("SIGKILL"), 15_000);
              c.once("exit", () => {
                clearTimeout(timer);
                resolve();
              });
              c.kill("SIGTERM");
            }),
        ),
      );
      await cluster?.stop().catch(() => {});
      await pg?.stop().catch(() => {});
      await rm(base, { recursive: true, force: true });
    })();
    return stopping;
  };
  let interrupted: () => void = () => {};
  const interruptedP = new Promise<void>((r) => {
    interrupted = r;
  });
  for (const s of ["SIGINT", "SIGTERM"] as const) process.once(s, () => interrupted());
  try {
    log("starting three Qdrant peers");
    cluster = await startQdrantCluster({ peers: 3, binary: qbin.path });
    for (const p of cluster.peers) log(`  peer ${p.url} (p2p ${p.p2pUri}) storage ${p.storageDir}`);
    if (flag("--bench")) {
      const benchArgs = args.filter((x) => x !== "--bench");
      const out = await run(["bench", "--qdrant-only", "--json", "--qdrant-pid", String(cluster.peers[0]?.running?.pid), ...benchArgs], {
        MEDCAP_VECTOR_STORE: "embedded",
        QDRANT_URL: cluster.urls.join(","),
        MEDCAP_QDRANT_SHARDS: "3",
        MEDCAP_QDRANT_REPLICATION_FACTOR: "2",
        MEDCAP_QDRANT_WRITE_CONSISTENCY: "1",
        MEDCAP_LOG_LEVEL: "warn",
      });
      const rss = await Promise.all(cluster.peers.map(async (p) => Math.round(((await p.running?.rssBytes()) ?? 0) / 2 ** 20)));
      process.stdout.write(`${JSON.stringify({ peers: cluster.urls.length, peerRssMiB: rss, bench: JSON.parse(out) })}\n`);
      return;
    }
    pg = await startEmbeddedPostgres({ dataDir: path.join(base, "postgres"), log: (m) => log(`postgres: ${m}`) });
    const [p1, p2, p3] = cluster.urls as [string, string, string];
    const env = {
      DATABASE_URL: pg.url,
      MEDCAP_DATA_DIR: path.join(base, "data"),
      MEDCAP_VECTOR_STORE: "qdrant",
      QDRANT_URL: [p1, p2, p3].join(","),
      MEDCAP_QDRANT_SHARDS: "3",
      MEDCAP_QDRANT_REPLICATION_FACTOR: "2",
      MEDCAP_QDRANT_WRITE_CONSISTENCY: "1",
      MEDCAP_LOG_LEVEL: process.env.MEDCAP_LOG_LEVEL ?? "warn",
      MEDCAP_HOST: "127.0.0.1",
    };
    await run(["migrate"], env);
    if (!flag("--no-import")) {
      log("importing and indexing MedPix (skip with --no-import)");
      await run(["import", "medpix"], env);
      await run(["index"], env);
    }
    const admin = JSON.parse(await run(["keys", "create", "--role", "admin", "--label", "cluster-local", "--json"], env)) as {
      secret?: string;
    };
    const a = await serve("replica 1", env);
    replicas.push(a.child);
    const b = await serve("replica 2", { ...env, QDRANT_URL: [p2, p3, p1].join(",") });
    replicas.push(b.child);
    process.stdout.write(await run(["info"], env));
    process.stdout.write(`replica 1  ${a.url}\nreplica 2  ${b.url}\nadmin key  ${admin.secret ?? "(see medcap keys list)"}\n`);
    const seconds = Number(value("--for") ?? 0);
    log(seconds > 0 ? `serving for ${seconds} s` : "serving until Ctrl-C");
    await Promise.race([interruptedP, ...(seconds > 0 ? [new Promise((r) => setTimeout(r, seconds * 1000))] : [])]);
  } finally {
    await stopAll();
  }
}

main().catch((err) => {
  log(`failed: ${(err as Error).message}`);
  process.exitCode = 1;
});
