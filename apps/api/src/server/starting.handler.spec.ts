import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BootstrapState } from "./bootstrap.state.js";
import { startingHandler } from "./starting.handler.js";

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function listen(boot: BootstrapState): Promise<string> {
  server = http.createServer(startingHandler(boot));
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("a starting server", () => {
  it("is alive, not ready, and says which phase it is in and how far it is", async () => {
    const boot = new BootstrapState();
    const url = await listen(boot);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    boot.enter("index", "encoding");
    boot.progress(384, 1850);
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(await res.json()).toMatchObject({ status: "starting", phase: "index", done: 384, total: 1850 });
  });

  it("answers GraphQL with a typed SERVICE_UNAVAILABLE instead of refusing the connection", async () => {
    const url = await listen(new BootstrapState());
    const res = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe("SERVICE_UNAVAILABLE");
    expect(body.errors[0]?.message).toMatch(/starting \(database/);
  });

  it("reports a failed start with its reason", async () => {
    const boot = new BootstrapState();
    boot.fail("the embedded PostgreSQL did not start");
    const url = await listen(boot);
    expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({
      status: "failed",
      message: "the embedded PostgreSQL did not start",
    });
  });

  it("keeps notices across phases", () => {
    const boot = new BootstrapState();
    boot.notice("MedPix 2.0 was not found");
    boot.enter("index");
    boot.enter("ready");
    expect(boot.ready).toBe(true);
    expect(boot.current.notices).toEqual(["MedPix 2.0 was not found"]);
  });
});
