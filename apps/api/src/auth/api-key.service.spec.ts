// The API key cache against a real Postgres: a cached key skips the lookup, a revocation through the
// service applies at once, one made elsewhere (CLI, another replica) once the TTL has passed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../core/app.context.js";
import { openTestAppContext } from "../../test/server.testing.js";
import { ApiKeyService } from "./api-key.service.js";

let ctx: AppContext;
beforeAll(async () => {
  ctx = await openTestAppContext();
});
afterAll(async () => {
  await ctx?.close();
});

describe("ApiKeyService cache", () => {
  it("serves a cached key without Postgres and forgets it on revoke", async () => {
    const keys = new ApiKeyService(ctx.db.prisma, 60_000);
    const { key, secret } = await keys.create({ label: "cached", role: "VIEWER" }, "test");
    expect(await keys.authenticate(secret)).toMatchObject({ keyId: key.id, role: "VIEWER" });
    // Changed behind the service's back: the cached principal is still served within the TTL...
    await ctx.db.prisma.apiKey.update({ where: { id: key.id }, data: { label: "renamed" } });
    expect((await keys.authenticate(secret)).label).toBe("cached");
    // ...but a revocation through the service applies to the very next request.
    await keys.revoke(key.id, "test");
    await expect(keys.authenticate(secret)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("sees a revocation made by another process once the TTL has passed", async () => {
    const keys = new ApiKeyService(ctx.db.prisma, 50);
    const elsewhere = new ApiKeyService(ctx.db.prisma);
    const { key, secret } = await keys.create({ label: "short", role: "CURATOR" }, "test");
    await keys.authenticate(secret);
    await elsewhere.revoke(key.id, "test");
    await new Promise((r) => setTimeout(r, 80));
    await expect(keys.authenticate(secret)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("asks Postgres every time without a TTL", async () => {
    const keys = new ApiKeyService(ctx.db.prisma);
    const { key, secret } = await keys.create({ label: "uncached", role: "VIEWER" }, "test");
    await keys.authenticate(secret);
    await ctx.db.prisma.apiKey.update({ where: { id: key.id }, data: { revoked: true } });
    await expect(keys.authenticate(secret)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });
});
