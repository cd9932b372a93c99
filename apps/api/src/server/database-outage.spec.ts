// PostgreSQL killed under a running API (a probe once saw 13,082 HTTP 500s and no recovery until a
// restart): requests must answer a typed SERVICE_UNAVAILABLE with Retry-After, /readyz must say
// "unreachable" without driver text, and service must resume once the supervised server is back.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ApiKeyService } from "../auth/api-key.service.js";
import type { AppContext } from "../core/app.context.js";
import { createServer, type MedcapServer } from "../app/server.composition.js";
import { FakeRetrieval, openTestAppContext } from "../../test/server.testing.js";

let ctx: AppContext;
let server: MedcapServer;
let url: string;
let key: string;

beforeAll(async () => {
  ctx = await openTestAppContext();
  const created = await new ApiKeyService(ctx.db.prisma).create({ label: "outage", role: "VIEWER" }, "test");
  key = created.secret;
  server = await createServer({ ctx, retrieval: new FakeRetrieval(ctx.db.prisma), worker: false });
  url = (await server.listen(0, "127.0.0.1")).url;
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const casesQuery = () =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: "{ cases(first: 1) { totalCount } }" }),
  });

function postmasterPid(dataDir: string): number {
  const recorded = path.join(dataDir, "postgres-cluster.txt");
  let cluster = path.join(dataDir, "postgres");
  try {
    cluster = readFileSync(recorded, "utf8").trim();
  } catch {
    // not relocated
  }
  return Number(readFileSync(path.join(cluster, "postmaster.pid"), "utf8").split("\n")[0]);
}

it("answers SERVICE_UNAVAILABLE while PostgreSQL is down and recovers without a restart", async () => {
  expect((await casesQuery()).status).toBe(200);
  process.kill(postmasterPid((ctx.db as unknown as { dataDir: string }).dataDir), "SIGKILL");

  // While it is down (the supervisor waits before restarting), requests fail fast and typed.
  let sawUnavailable = false;
  let recovered = false;
  const seen = new Set<string>();
  for (const until = Date.now() + 90_000; !recovered && Date.now() < until; ) {
    const res = await casesQuery();
    const body = (await res.json()) as { data?: unknown; errors?: { message: string; extensions: { code: string } }[] };
    const code = body.errors?.[0]?.extensions.code;
    if (code) seen.add(code);
    if (code === "SERVICE_UNAVAILABLE") {
      sawUnavailable = true;
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(body.errors?.[0]?.message).not.toMatch(/127\.0\.0\.1|:\d{4,5}|postgres/i);
      const ready = await fetch(new URL("/readyz", url));
      if (ready.status === 503) expect(JSON.stringify(await ready.json())).not.toMatch(/127\.0\.0\.1|ECONN/);
    }
    if (!code && res.status === 200 && sawUnavailable) recovered = true;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(
    [...seen].filter((c) => c !== "SERVICE_UNAVAILABLE"),
    "only SERVICE_UNAVAILABLE while down",
  ).toEqual([]);
  expect(sawUnavailable).toBe(true);
  expect(recovered).toBe(true);
  expect((await fetch(new URL("/readyz", url))).status).toBe(200);
}, 150_000);
