// Issue #28 end to end: two `medcap serve` replicas over one PostgreSQL and a three-peer Qdrant cluster
// (3 shards × 2 replicas, write consistency 1), a real MedPix slice. Under a mixed load (searches on
// both replicas, addImage on one, updateCaption on the other) the Qdrant peer that the first replica
// talks to is killed with SIGKILL and later started again: no search fails, every write is either
// acknowledged or refused with the typed, retryable SERVICE_UNAVAILABLE, both replicas end ready, and
// a full check of Postgres against the cluster (every Embedding row of the active version a point in the
// cluster, vectors included) finds nothing missing, extra or different. activateModelVersion on one
// replica switches the other within the poll interval. Then one replica is killed while it holds a
// job: the other keeps answering and runs that job again; then the whole cluster (every Qdrant peer
// and PostgreSQL) restarts and the surviving replica recovers without a restart of its own.
// PostgreSQL is owned by this test process, so killing a replica kills only that replica.
import type { ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPrismaClient, type EmbeddedServer, startEmbeddedPostgres } from "@medcap/db";
import { qdrantBinary, type RunningQdrantCluster, startQdrantCluster } from "@medcap/api/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { medcapJson, medpixDir, repoRoot, serve } from "./medcap.process.js";
import { importMedpixSlice, type MedpixDescription, readMedpixDescriptions } from "./medpix.slice.js";

const bin = qdrantBinary();
const skipReason = bin.found ? "" : `no Qdrant binary at ${bin.path} (set MEDCAP_QDRANT_BIN)`;
if (skipReason) process.stdout.write(`\n::warning:: QDRANT CLUSTER SKIPPED: ${skipReason}\n`);

const SECONDS = Number(process.env.MEDCAP_CHAOS_SECONDS ?? 20);

type Server = { url: string; child: ChildProcess; logs: () => string };
let pg: EmbeddedServer;
let pgDir: string;
let dataDir: string;
let cluster: RunningQdrantCluster;
let replicaA: Server;
let replicaB: Server;
let key: string;
/** MedPix images of cases outside the slice: what addImage adds. */
let extra: MedpixDescription[];
let caseId: string;
/** The replicas' environment (every peer, the cluster layout), for the CLI too. */
let qenv: Record<string, string>;

type GqlResult<T> = { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
async function gql<T>(server: Server, query: string, variables: Record<string, unknown> = {}): Promise<GqlResult<T>> {
  const res = await fetch(server.url, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlResult<T>;
}

async function readyz(server: Server) {
  const res = await fetch(server.url.replace(/\/graphql$/, "/readyz"));
  return { status: res.status, body: (await res.json()) as { checks?: Record<string, { ok: boolean; detail?: string }> } };
}

async function eventually(what: string, fn: () => Promise<boolean>, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TEXTS = ["axial CT of the brain", "MRI of the knee", "chest radiograph", "liver lesion", "sagittal MR of the spine", "renal mass"];
const SEARCH = `query($t: String!) { searchImages(text: $t, k: 5) { score image { id caption { id } } } }`;

/** Postgres (the source of truth) against the cluster: every active-version vector, by kind and target id. */
async function consistency(): Promise<{ missing: string[]; extra: string[]; different: string[]; rows: number }> {
  const prisma = createPrismaClient(pg.url, 2);
  try {
    const active = await prisma.modelVersion.findFirst({ where: { active: true } });
    const rows = await prisma.embedding.findMany({
      where: { modelVersionId: active?.id as string },
      select: { kind: true, targetId: true, vector: true },
    });
    const want = new Map(rows.map((r) => [`${r.kind}:${r.targetId}`, new Float32Array(new Uint8Array(r.vector).buffer)]));
    const alias = `medcap_${active?.id}`;
    const base = cluster.urls[1] as string;
    const have = new Map<string, number[]>();
    let offset: unknown = null;
    for (let page = 0; page < 100; page++) {
      const res = await fetch(`${base}/collections/${alias}/points/scroll?consistency=all`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ limit: 256, with_payload: true, with_vector: true, ...(offset !== null ? { offset } : {}) }),
      });
      const body = (await res.json()) as {
        result: { points: { payload: { kind: string; targetId: string }; vector: number[] }[]; next_page_offset: unknown };
      };
      for (const p of body.result.points) have.set(`${p.payload.kind}:${p.payload.targetId}`, p.vector);
      offset = body.result.next_page_offset ?? null;
      if (offset === null) break;
    }
    const missing = [...want.keys()].filter((k) => !have.has(k));
    const extraPoints = [...have.keys()].filter((k) => !want.has(k));
    const different = [...want].filter(([k, v]) => {
      const got = have.get(k);
      return got !== undefined && v.some((x, i) => Math.abs(x - (got[i] as number)) > 1e-5);
    });
    return { missing, extra: extraPoints, different: different.map(([k]) => k), rows: rows.length };
  } finally {
    await prisma.$disconnect();
  }
}

describe.skipIf(!bin.found)(
  `medcap on a Qdrant cluster, two API replicas${skipReason ? ` [QDRANT CLUSTER SKIPPED: ${skipReason}]` : ""}`,
  () => {
    beforeAll(async () => {
      pgDir = await mkdtemp(path.join(os.tmpdir(), "medcap-cluster-e2e-pg-"));
      await chmod(pgDir, 0o755);
      pg = await startEmbeddedPostgres({ dataDir: pgDir });
      dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-cluster-e2e-"));
      await chmod(dataDir, 0o755);
      const env = { MEDCAP_DATA_DIR: dataDir, DATABASE_URL: pg.url };
      const descriptions = await readMedpixDescriptions();
      const casesOf = (type: string) => [...new Set(descriptions.filter((d) => d.Type === type).map((d) => d.U_id))];
      const caseIds = [...casesOf("CT").slice(0, 3), ...casesOf("MR").slice(0, 3)];
      await importMedpixSlice(dataDir, env, { descriptions, caseIds, devEvery: 4 });
      extra = descriptions.filter((d) => casesOf("CT").slice(3, 6).includes(d.U_id) && d.Type === "CT").slice(0, 12);
      key = (await medcapJson<{ secret: string }>(["keys", "create", "--role", "curator", "--label", "cluster e2e", "--json"], env)).secret;

      cluster = await startQdrantCluster({ peers: 3, binary: bin.path });
      const [p1, p2, p3] = cluster.urls as [string, string, string];
      qenv = {
        ...env,
        MEDCAP_VECTOR_STORE: "qdrant",
        QDRANT_URL: [p1, p2, p3].join(","),
        MEDCAP_QDRANT_SHARDS: "3",
        MEDCAP_QDRANT_REPLICATION_FACTOR: "2",
        MEDCAP_QDRANT_WRITE_CONSISTENCY: "1",
        // Rate limits are per process; this test is not about them.
        MEDCAP_RATE_LIMIT_PER_MIN: "0",
        // How often a replica checks which model version is active (default 5 s).
        MEDCAP_MODEL_POLL_MS: "1000",
      };
      await medcapJson(["index", "--json"], qenv); // the cluster filled from Postgres, nothing re-encoded
      replicaA = await serve(qenv);
      replicaB = await serve({ ...qenv, QDRANT_URL: [p2, p3, p1].join(",") });
      const prisma = createPrismaClient(pg.url, 1);
      caseId = (await prisma.case.findFirstOrThrow()).id;
      await prisma.$disconnect();
    }, 400_000);

    afterAll(async () => {
      for (const s of [replicaA, replicaB]) {
        if (s && s.child.exitCode === null && s.child.signalCode === null) {
          s.child.kill("SIGTERM");
          await new Promise((r) => s.child.once("exit", r));
        }
      }
      await cluster?.stop();
      await pg?.stop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(pgDir, { recursive: true, force: true });
    });

    it("loses a Qdrant peer under load with nothing lost: no failed search, writes acknowledged or retryable, Postgres and the cluster agree", async () => {
      const first = await gql<{ searchImages: { image: { caption: { id: string } | null } }[] }>(replicaA, SEARCH, { t: "brain" });
      const captionIds = (first.data?.searchImages ?? []).flatMap((m) => (m.image.caption ? [m.image.caption.id] : []));
      expect(captionIds.length).toBeGreaterThan(0);

      const stats = { searches: 0, failedSearches: [] as string[], writes: 0, refused: 0, untyped: [] as string[] };
      const end = Date.now() + SECONDS * 1000;
      const searcher = async (server: Server) => {
        for (let i = 0; Date.now() < end; i++) {
          try {
            const r = await gql<{ searchImages: unknown[] }>(server, SEARCH, { t: TEXTS[i % TEXTS.length] });
            if (r.errors || !r.data?.searchImages.length) stats.failedSearches.push(JSON.stringify(r.errors ?? "no hits"));
            stats.searches++;
          } catch (err) {
            stats.failedSearches.push((err as Error).message);
          }
        }
      };
      const write = async (server: Server, query: string, variables: Record<string, unknown>) => {
        stats.writes++;
        const r = await gql(server, query, variables);
        if (!r.errors) return;
        if (r.errors.every((e) => e.extensions?.code === "SERVICE_UNAVAILABLE")) stats.refused++;
        else stats.untyped.push(JSON.stringify(r.errors));
      };
      const editor = async () => {
        for (let i = 0; Date.now() < end; i++) {
          await write(replicaB, "mutation($id: ID!, $t: String!) { updateCaption(id: $id, text: $t) { id } }", {
            id: captionIds[i % captionIds.length],
            t: `Edited under load, revision ${i}: axial CT with contrast.`,
          });
        }
      };
      const adder = async () => {
        for (let i = 0; Date.now() < end && i < extra.length; i++) {
          const d = extra[i] as MedpixDescription;
          const base64 = (await readFile(path.join(medpixDir, "MedPix-2-0", "images", `${d.image}.png`))).toString("base64");
          await write(replicaA, "mutation($in: AddImageInput!) { addImage(input: $in) { id } }", {
            in: { caseId, image: { base64 }, caption: d.Description.Caption || "CT image", modality: "CT", plane: d.Description.Plane },
          });
        }
      };
      const chaos = async () => {
        await sleep((SECONDS * 1000) / 5);
        await cluster.kill(0);
        await sleep((SECONDS * 1000) / 3);
        await cluster.restart(0);
      };
      await Promise.all([searcher(replicaA), searcher(replicaB), editor(), adder(), chaos()]);
      process.stdout.write(
        `qdrant cluster e2e: ${SECONDS} s, ${stats.searches} searches on two replicas, ${stats.writes} writes (${stats.refused} refused as SERVICE_UNAVAILABLE)\n`,
      );
      expect(stats.failedSearches).toEqual([]);
      expect(stats.untyped).toEqual([]);

      // Back to full health: both replicas ready, no cluster problem reported; then Postgres = cluster.
      for (const server of [replicaA, replicaB])
        await eventually("a ready replica on a healthy cluster", async () => {
          const r = await readyz(server);
          return r.status === 200 && !String(r.body.checks?.vectorStore?.detail).includes("cluster");
        });
      let last: Awaited<ReturnType<typeof consistency>> | undefined;
      await eventually("Postgres and the cluster holding the same vectors", async () => {
        last = await consistency();
        return !last.missing.length && !last.extra.length && !last.different.length;
      });
      process.stdout.write(`qdrant cluster e2e: ${last?.rows} Embedding rows in Postgres, all in the cluster with equal vectors\n`);
    }, 300_000);

    it("switches every replica when activateModelVersion runs on one of them", async () => {
      // A second version (medcap-base-v2) indexed into the cluster by the CLI, not activated.
      await medcapJson(["index", "--model", path.join(repoRoot, "models", "medcap-base-v2"), "--json"], qenv);
      const admin = (
        await medcapJson<{ secret: string }>(["keys", "create", "--role", "admin", "--label", "cluster e2e admin", "--json"], qenv)
      ).secret;
      const asAdmin = async <T>(server: Server, query: string, variables: Record<string, unknown> = {}) => {
        const res = await fetch(server.url, {
          method: "POST",
          headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
          body: JSON.stringify({ query, variables }),
        });
        return (await res.json()) as GqlResult<T>;
      };
      const served = async (server: Server) => {
        const r = await gql<{ searchImages: { modelVersion: { name: string } }[] }>(
          server,
          `{ searchImages(text: "axial CT of the brain", k: 3) { modelVersion { name } } }`,
        );
        if (!r.data) throw new Error(JSON.stringify(r.errors));
        return [...new Set(r.data.searchImages.map((h) => h.modelVersion.name))].join(",");
      };
      const list = await asAdmin<{ modelVersions: { id: string; name: string }[] }>(replicaA, "{ modelVersions { id name } }");
      const idOf = (name: string) => list.data?.modelVersions.find((v) => v.name === name)?.id as string;
      expect([await served(replicaA), await served(replicaB)]).toEqual(["medcap-base-v3", "medcap-base-v3"]);
      for (const [on, other, name] of [
        [replicaA, replicaB, "medcap-base-v2"],
        [replicaB, replicaA, "medcap-base-v3"],
      ] as const) {
        const r = await asAdmin<{ activateModelVersion: { name: string } }>(
          on,
          "mutation($id: ID!) { activateModelVersion(id: $id) { name } }",
          {
            id: idOf(name),
          },
        );
        expect(r.errors).toBeUndefined();
        const t0 = Date.now();
        expect(await served(on)).toBe(name); // the replica that activated: at once
        await eventually(`the other replica to serve ${name}`, async () => (await served(other)) === name, 15_000);
        process.stdout.write(`qdrant cluster e2e: the other replica served ${name} ${Date.now() - t0} ms after the activation\n`);
      }
    }, 300_000);

    it("keeps answering on one replica when the other is killed, and the job it held is run again by the other", async () => {
      // Replica A must be the one holding a job when it dies: B is paused (SIGSTOP) so that only A's
      // worker can claim the REINDEX queued here, A is paused the moment the job shows RUNNING under
      // A's worker (so it cannot finish), B resumes, and A is killed with SIGKILL.
      const pidA = replicaA.child.pid as number;
      const pidB = replicaB.child.pid as number;
      const prisma = createPrismaClient(pg.url, 1);
      let jobId = "";
      try {
        process.kill(pidB, "SIGSTOP");
        try {
          for (let attempt = 0; attempt < 5 && !jobId; attempt++) {
            const r = await gql<{ reindex: { id: string } }>(replicaA, "mutation { reindex { id } }");
            const id = r.data?.reindex.id;
            if (!id) throw new Error(JSON.stringify(r.errors));
            for (let i = 0; i < 3000; i++) {
              const job = await prisma.job.findUniqueOrThrow({ where: { id } });
              if (job.status === "RUNNING" && job.lockedBy?.includes(`:${pidA}:`)) {
                process.kill(pidA, "SIGSTOP");
                // Still running once A is frozen (not finished in the instant before): A holds it.
                if ((await prisma.job.findUniqueOrThrow({ where: { id } })).status === "RUNNING") jobId = id;
                else process.kill(pidA, "SIGCONT");
                break;
              }
              if (job.status === "SUCCEEDED" || job.status === "FAILED") break;
              await sleep(5);
            }
          }
        } finally {
          process.kill(pidB, "SIGCONT");
        }
        expect(jobId, "replica A held a running REINDEX job").not.toBe("");
        replicaA.child.kill("SIGKILL");
        await new Promise((r) => replicaA.child.once("exit", r));
        for (const t of TEXTS) {
          const r = await gql<{ searchImages: unknown[] }>(replicaB, SEARCH, { t });
          expect(r.errors).toBeUndefined();
          expect(r.data?.searchImages.length).toBeGreaterThan(0);
        }
        // B's worker re-queues the job once A's heartbeats are 30 s stale, then runs it itself.
        await eventually(
          "the dead replica's job run again by the other",
          async () => {
            const job = await prisma.job.findUniqueOrThrow({ where: { id: jobId } });
            return job.status === "SUCCEEDED" && Boolean(job.lockedBy?.includes(`:${pidB}:`));
          },
          150_000,
        );
        expect(await prisma.job.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({ status: "SUCCEEDED", attempts: 2 });
      } finally {
        await prisma.$disconnect();
      }
      for (const t of TEXTS) {
        const r = await gql<{ searchImages: unknown[] }>(replicaB, SEARCH, { t });
        expect(r.errors).toBeUndefined();
        expect(r.data?.searchImages.length).toBeGreaterThan(0);
      }
      expect((await readyz(replicaB)).status).toBe(200);
    }, 300_000);

    it("recovers by itself when the whole cluster (every Qdrant peer and PostgreSQL) restarts", async () => {
      // PostgreSQL stopped and started again on its port and folder, the three peers restarted while it is down.
      const port = Number(new URL(pg.url).port);
      await pg.stop();
      await cluster.restartAll();
      pg = await startEmbeddedPostgres({ dataDir: pgDir, port });
      await eventually("searches answering again on the surviving replica", async () => {
        const r = await gql<{ searchImages: unknown[] }>(replicaB, SEARCH, { t: "brain" });
        return !r.errors && (r.data?.searchImages.length ?? 0) > 0;
      });
      await eventually("the surviving replica ready again", async () => (await readyz(replicaB)).status === 200);
      expect(replicaB.child.exitCode).toBeNull();
    }, 180_000);
  },
);
