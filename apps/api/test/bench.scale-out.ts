// scripts/bench-scale-out.sh: the #28 side-by-side. One Qdrant node and a three-peer cluster (3 shards
// × 2 copies, write consistency 1) from the provided binary, both started by this one invocation, and
// the same synthetic workload (`medcap bench`'s Qdrant section: seeded clustered 256-d unit vectors
// with MedPix-like payloads, the same queries, recall@10 against the same exact search) run against
// each in turn. Memory per node is every Qdrant process's VmRSS with the collection loaded and just
// searched. JSON on stdout, progress on stderr; everything started here is stopped on exit.
//
//   scripts/bench-scale-out.sh [--sizes 1000000] [--queries 50] [--indexing-threshold <kb>] [--index-wait <s>]
import os from "node:os";
import { benchQdrantTargets } from "../src/bench/qdrant.bench.js";
import { QdrantVectorStore } from "../src/vectors/qdrant.store.js";
import { startQdrantCluster } from "./qdrant.cluster.js";
import { qdrantBinary, startQdrant } from "./qdrant.server.js";

const args = process.argv.slice(2);
const value = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const log = (m: string) => process.stderr.write(`bench-scale-out: ${m}\n`);

async function main() {
  const qbin = qdrantBinary();
  if (!qbin.found) {
    log(`SKIPPED: no Qdrant binary at ${qbin.path} (set MEDCAP_QDRANT_BIN)`);
    process.exitCode = 2;
    return;
  }
  const sizes = value("--sizes", "1000000")
    .split(",")
    .map(Number)
    .filter((n) => n > 0);
  const threshold = args.includes("--indexing-threshold") ? Number(value("--indexing-threshold", "20000")) : undefined;
  let single: Awaited<ReturnType<typeof startQdrant>> | undefined;
  let cluster: Awaited<ReturnType<typeof startQdrantCluster>> | undefined;
  const stopAll = async () => {
    await single?.stop().catch(() => {});
    await cluster?.stop().catch(() => {});
  };
  for (const s of ["SIGINT", "SIGTERM"] as const)
    process.once(s, () => {
      log(`${s}: stopping the Qdrant processes`);
      void stopAll().finally(() => process.exit(130));
    });
  try {
    single = await startQdrant({ binary: qbin.path, timeoutMs: 60_000 });
    log(`1 node: ${single.url} (pid ${single.pid})`);
    cluster = await startQdrantCluster({ peers: 3, binary: qbin.path });
    log(`3 peers: ${cluster.urls.join(", ")} (pids ${cluster.peers.map((p) => p.running?.pid).join(", ")})`);
    const one = new QdrantVectorStore(single.url, {
      prefix: "medcap_bench",
      layout: { shards: 1, replicationFactor: 1, writeConsistency: 1 },
    });
    const three = new QdrantVectorStore(cluster.urls, {
      prefix: "medcap_bench",
      layout: { shards: 3, replicationFactor: 2, writeConsistency: 1 },
    });
    const started = Date.now();
    const result = await benchQdrantTargets(
      [
        { label: "1 node", store: one, pids: [single.pid] },
        { label: "3 peers, 3 shards x 2 copies", store: three, pids: cluster.peers.map((p) => p.running?.pid as number) },
      ],
      {
        sizes,
        dim: 256,
        queries: Number(value("--queries", "50")),
        keep: false,
        maxIndexWaitSeconds: Number(value("--index-wait", "1800")),
        ...(threshold !== undefined ? { indexingThresholdKb: threshold } : {}),
        log,
      },
    );
    process.stdout.write(
      `${JSON.stringify({
        machine: {
          cpu: os.cpus()[0]?.model ?? "unknown",
          cores: os.cpus().length,
          memGiB: Math.round(os.totalmem() / 2 ** 30),
          node: process.version,
        },
        qdrant: qbin.path.split("/").pop(),
        startedAt: new Date(started).toISOString(),
        seconds: Math.round((Date.now() - started) / 1000),
        loadAverage: os.loadavg(),
        result,
      })}\n`,
    );
  } finally {
    await stopAll();
  }
}

main().catch((err) => {
  log(`failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
});
