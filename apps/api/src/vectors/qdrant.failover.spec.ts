// Peer failover and failback of the cluster-aware Qdrant store (issue #28), against two stand-in
// peers: plain HTTP servers that answer the two calls used here (GET /collections, GET /readyz) and
// count who was asked. A stopped peer refuses connections, as a killed Qdrant on loopback does.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { QdrantVectorStore } from "./qdrant.store.js";

interface FakePeer {
  url: string;
  /** Requests to GET /collections (the store's readiness call) since start. */
  calls: number;
  probes: number;
  /** What GET /readyz answers (Qdrant: 200 once the peer is in the cluster and its shards are ready). */
  readyStatus: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function fakePeer(port = 0): Promise<FakePeer> {
  let server: http.Server | undefined;
  const peer: FakePeer = {
    url: "",
    calls: 0,
    probes: 0,
    readyStatus: 200,
    start: async () => {
      server = http.createServer((req, res) => {
        if (req.url === "/readyz") {
          peer.probes++;
          res.writeHead(peer.readyStatus).end();
          return;
        }
        peer.calls++;
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ result: { collections: [] }, status: "ok", time: 0 }));
      });
      await new Promise<void>((r) => server?.listen(port, "127.0.0.1", () => r()));
      port = (server.address() as AddressInfo).port;
      peer.url = `http://127.0.0.1:${port}`;
    },
    stop: async () => {
      server?.closeAllConnections();
      await new Promise<void>((r) => server?.close(() => r()));
    },
  };
  await peer.start();
  return peer;
}

const waitFor = async (cond: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("QdrantVectorStore peer failover and failback", () => {
  const peers: FakePeer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.stop().catch(() => {})));
  });

  it("moves to the next peer when the first is lost, and back once the first is ready again", async () => {
    const a = await fakePeer();
    const b = await fakePeer();
    peers.push(a, b);
    const store = new QdrantVectorStore([a.url, b.url], { failbackMs: 100 });
    expect(await store.ready()).toBe(true);
    expect(store.currentUrl).toBe(a.url);
    expect([a.calls, b.calls]).toEqual([1, 0]);

    await a.stop();
    expect(await store.ready()).toBe(true);
    expect(store.currentUrl).toBe(b.url);
    // Within the interval nothing goes to the lost peer: each call costs no failed connect.
    await store.ready();
    expect(b.calls).toBe(2);

    await a.start(); // the same port, as a restarted peer
    a.readyStatus = 503; // back, but not ready yet (still joining, shards catching up)
    await new Promise((r) => setTimeout(r, 120));
    await store.ready(); // answered by b; starts a probe of a in the background
    await waitFor(() => a.probes === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(store.currentUrl).toBe(b.url);
    await store.ready();
    expect(a.probes).toBe(1); // at most one probe per interval

    a.readyStatus = 200;
    await new Promise((r) => setTimeout(r, 120));
    await store.ready();
    await waitFor(() => store.currentUrl === a.url);
    const before = a.calls;
    await store.ready();
    expect(a.calls).toBe(before + 1);
    expect(b.calls).toBe(5);
  });

  it("failbackMs 0 stays on the peer that answered", async () => {
    const a = await fakePeer();
    const b = await fakePeer();
    peers.push(a, b);
    const store = new QdrantVectorStore([a.url, b.url], { failbackMs: 0 });
    await a.stop();
    await store.ready();
    await a.start();
    await new Promise((r) => setTimeout(r, 50));
    await store.ready();
    await new Promise((r) => setTimeout(r, 50));
    expect(store.currentUrl).toBe(b.url);
    expect(a.probes).toBe(0);
  });
});
