// X-Forwarded-For and the per-address rate limit (#26 Medium 8), over real HTTP: with the default
// configuration a client cannot mint a new rate-limit identity per request by writing the header.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestAppContext } from "../../test/server.testing.js";
import { parseTrustProxy } from "../config/config.js";
import type { AppContext } from "../core/app.context.js";
import { createServer, type MedcapServer } from "../app/server.composition.js";

const PER_MINUTE = 5;
let ctx: AppContext;
const servers: MedcapServer[] = [];

async function start(trustProxy: false | number | string[]): Promise<string> {
  const config = { ...ctx.config, http: { ...ctx.config.http, trustProxy } };
  const server = await createServer({ ctx: { ...ctx, config }, retrieval: undefined, worker: false, ownsContext: false });
  servers.push(server);
  return (await server.listen(0, "127.0.0.1")).url;
}

/** Anonymous key guesses, each from a "different client" according to its forged header. */
async function guesses(url: string, n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer mcp_guess${i}`, "x-forwarded-for": `203.0.113.${i}` },
      body: JSON.stringify({ query: "{ me { id } }" }),
    });
    await res.text();
    statuses.push(res.status);
  }
  return statuses;
}

beforeAll(async () => {
  ctx = await openTestAppContext({ MEDCAP_RATE_LIMIT_PER_MIN: String(PER_MINUTE) });
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await ctx?.close();
});

describe("trust proxy", () => {
  it("is off by default: forged X-Forwarded-For headers from loopback share one bucket", async () => {
    expect(ctx.config.http.trustProxy).toBe(false);
    const statuses = await guesses(await start(ctx.config.http.trustProxy), PER_MINUTE + 3);
    expect(statuses.slice(0, PER_MINUTE).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(PER_MINUTE)).toEqual([429, 429, 429]);
  });

  it("believes the header only from proxies named in MEDCAP_TRUST_PROXY", async () => {
    const statuses = await guesses(await start(parseTrustProxy("loopback")), PER_MINUTE + 3);
    expect(statuses.includes(429)).toBe(false);
  });

  it("parses MEDCAP_TRUST_PROXY", () => {
    expect([undefined, "", "off", "false", "0"].map(parseTrustProxy)).toEqual([false, false, false, false, false]);
    expect(parseTrustProxy("2")).toBe(2);
    expect(parseTrustProxy("loopback, 10.0.0.0/8")).toEqual(["loopback", "10.0.0.0/8"]);
    expect(() => parseTrustProxy("true")).toThrow(/name the proxies/);
  });
});
