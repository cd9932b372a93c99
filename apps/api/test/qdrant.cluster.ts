// A throwaway Qdrant cluster for tests and scripts: N peers of the provided binary on loopback, in
// distributed mode (QDRANT__CLUSTER__ENABLED, a P2P port each, --uri on every peer and --bootstrap
// on all but the first), each with its own storage folder under one temporary base. A peer can be
// killed with SIGKILL and started again on the same ports and storage, as a machine that comes back.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort } from "@medcap/db";
import { freePortPair, qdrantBinary, type RunningQdrant, startQdrant } from "./qdrant.server.js";

export interface ClusterPeer {
  /** HTTP URL (the REST API MedCap talks to). */
  url: string;
  p2pUri: string;
  storageDir: string;
  running: RunningQdrant | undefined;
}

export interface RunningQdrantCluster {
  peers: ClusterPeer[];
  urls: string[];
  /** SIGKILL one peer (0-based). */
  kill(index: number): Promise<void>;
  /** Start a stopped or killed peer again with its storage and ports. */
  restart(index: number): Promise<void>;
  /** SIGTERM every peer, then start them all again (the whole cluster restarted). */
  restartAll(): Promise<void>;
  stop(): Promise<void>;
}

interface PeerPorts {
  http: number;
  p2p: number;
}

async function startPeer(binary: string, peer: ClusterPeer, ports: PeerPorts, bootstrap: string | undefined, timeoutMs: number) {
  peer.running = await startQdrant({
    binary,
    storageDir: peer.storageDir,
    port: ports.http,
    timeoutMs,
    env: { QDRANT__CLUSTER__ENABLED: "true", QDRANT__CLUSTER__P2P__PORT: String(ports.p2p) },
    args: ["--uri", peer.p2pUri, ...(bootstrap ? ["--bootstrap", bootstrap] : [])],
  });
}

/** Peers that the first peer's consensus knows, polled until `count` (bounded by timeoutMs). */
export async function waitForPeers(url: string, count: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const body = (await (await fetch(`${url}/cluster`)).json()) as { result?: { peers?: Record<string, unknown> } };
      if (Object.keys(body.result?.peers ?? {}).length >= count) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the Qdrant cluster at ${url} did not reach ${count} peers in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startQdrantCluster(
  options: { peers?: number; binary?: string; timeoutMs?: number } = {},
): Promise<RunningQdrantCluster> {
  const binary = options.binary ?? qdrantBinary().path;
  const count = options.peers ?? 3;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const base = await mkdtemp(path.join(os.tmpdir(), "medcap-qdrant-cluster-"));
  const ports: PeerPorts[] = [];
  const peers: ClusterPeer[] = [];
  for (let i = 0; i < count; i++) {
    const http = await freePortPair();
    let p2p = await freePort();
    for (
      let tries = 0;
      tries < 20 && (p2p === http || p2p === http + 1 || ports.some((p) => [p.http, p.http + 1, p.p2p].includes(p2p)));
      tries++
    )
      p2p = await freePort();
    ports.push({ http, p2p });
    peers.push({
      url: `http://127.0.0.1:${http}`,
      p2pUri: `http://127.0.0.1:${p2p}`,
      storageDir: path.join(base, `peer${i + 1}`),
      running: undefined,
    });
  }
  const bootstrapOf = (i: number) => (i === 0 ? undefined : peers[0]?.p2pUri);
  const stop = async () => {
    await Promise.all(peers.map((p) => p.running?.stop().catch(() => {})));
    await rm(base, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) await startPeer(binary, peers[i] as ClusterPeer, ports[i] as PeerPorts, bootstrapOf(i), timeoutMs);
    await waitForPeers(peers[0]?.url as string, count, timeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  const at = (i: number) => {
    const p = peers[i];
    if (!p) throw new Error(`no peer ${i}`);
    return p;
  };
  return {
    peers,
    urls: peers.map((p) => p.url),
    kill: async (i) => {
      await at(i).running?.kill();
      at(i).running = undefined;
    },
    restart: async (i) => {
      if (at(i).running) return;
      await startPeer(binary, at(i), ports[i] as PeerPorts, bootstrapOf(i), timeoutMs);
    },
    restartAll: async () => {
      await Promise.all(peers.map((p) => p.running?.stop()));
      for (const p of peers) p.running = undefined;
      // Every peer at once: a restarted peer waits for the others to re-form consensus before it is ready.
      await Promise.all(peers.map((p, i) => startPeer(binary, p, ports[i] as PeerPorts, bootstrapOf(i), timeoutMs)));
    },
    stop,
  };
}
