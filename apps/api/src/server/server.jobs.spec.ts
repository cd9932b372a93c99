// The real server over real HTTP against embedded Postgres: the job queue, error masking, retrieval
// failures, the rate limit and shutdown.
import { createServer } from "../app/server.composition.js";
import { GraphQLClient } from "graphql-request";
import { describe, expect, it } from "vitest";
import { type GqlResult, ctx, fake, secrets, keyRows, modelVersionId, gql, codeOf, useHttpServer } from "../../test/http.harness.js";

useHttpServer();

describe("job queue", () => {
  async function waitForJob(id: string, done: (status: string) => boolean) {
    for (let i = 0; i < 100; i++) {
      const r = await gql(
        "VIEWER",
        "query($id: ID!) { job(id: $id) { id kind status progress message result error params createdBy startedAt finishedAt heartbeatAt } }",
        { id },
      );
      if (done(r.data?.job.status)) return r.data?.job;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`job ${id} did not finish`);
  }

  it("a reindex job runs to SUCCEEDED with progress and a result", async () => {
    const queued = await gql("CURATOR", "mutation { reindex { id kind status progress params } }");
    expect(queued.data?.reindex).toMatchObject({ kind: "REINDEX", progress: 0, params: { modelVersionId } });
    const job = await waitForJob(queued.data?.reindex.id, (s) => s === "SUCCEEDED" || s === "FAILED");
    expect(job).toMatchObject({
      status: "SUCCEEDED",
      progress: 1,
      message: "encoding captions",
      result: { indexed: 10, params: { modelVersionId } },
    });
    expect(job.createdBy).toBe(`test-curator (key ${keyRows.CURATOR.id})`);
    expect(job.startedAt && job.finishedAt && job.heartbeatAt).toBeTruthy();
  });

  it("a failing handler ends the job FAILED with its error", async () => {
    const queued = await gql("CURATOR", "mutation { runEvaluation(protocol: CAPTION_LIBRARY, split: DEV) { id kind params } }");
    expect(queued.data?.runEvaluation).toMatchObject({
      kind: "EVALUATION",
      params: { protocol: "caption-library", split: "DEV", modelVersionId },
    });
    const job = await waitForJob(queued.data?.runEvaluation.id, (s) => s === "SUCCEEDED" || s === "FAILED");
    expect(job).toMatchObject({ status: "FAILED", error: "protocol exploded" });
    const audit = await ctx.db.prisma.auditLog.findFirst({ where: { targetId: job.id, action: "job.enqueue" } });
    expect(audit).not.toBeNull();
  });

  it("an evaluation job carries its captioning knobs; malformed ones are refused before queueing", async () => {
    const queued = await gql(
      "CURATOR",
      'mutation { runEvaluation(protocol: CAPTION_LIBRARY, split: DEV, strategy: IMAGES, neighbours: 7, consensus: "off") { id params } }',
    );
    expect(queued.errors).toBeUndefined();
    expect(queued.data?.runEvaluation.params).toEqual({
      protocol: "caption-library",
      split: "DEV",
      modelVersionId,
      captioning: { strategy: "images", neighbours: 7, consensus: "off" },
    });
    await waitForJob(queued.data?.runEvaluation.id, (s) => s === "SUCCEEDED" || s === "FAILED");
    const jobs = await ctx.db.prisma.job.count();
    const bad = await gql("CURATOR", "mutation { runEvaluation(protocol: CAPTION_LIBRARY, split: DEV, temperature: -1) { id } }");
    expect(codeOf(bad)).toBe("BAD_USER_INPUT");
    expect(await ctx.db.prisma.job.count()).toBe(jobs);
  });

  it("unknown model versions are refused", async () => {
    expect(codeOf(await gql("CURATOR", 'mutation { reindex(modelVersionId: "nope") { id } }'))).toBe("NOT_FOUND");
  });
});

describe("error masking", () => {
  it("masks unexpected errors as INTERNAL_SERVER_ERROR with a request id", async () => {
    const original = fake.searchImages.bind(fake);
    fake.searchImages = async () => {
      throw new Error("secret connection string postgres://user:pw@host");
    };
    try {
      const r = await gql("VIEWER", '{ searchImages(text: "x") { score } }');
      expect(r.errors?.[0]).toMatchObject({ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } });
      expect(r.errors?.[0]?.extensions?.requestId).toBeTruthy();
      expect(JSON.stringify(r)).not.toContain("postgres://");
    } finally {
      fake.searchImages = original;
    }
  });
});

describe("retrieval failures", () => {
  it("a failed re-index is logged, not reported: the committed caption revision stands", async () => {
    const caption = await ctx.db.prisma.caption.findFirstOrThrow({ where: { isCurrent: true } });
    const original = fake.reindexCaption.bind(fake);
    fake.reindexCaption = async () => {
      throw new Error("vector store down");
    };
    try {
      const r = await gql("CURATOR", 'mutation($id: ID!) { updateCaption(id: $id, text: "Sagittal MR of the brain") { text revision } }', {
        id: caption.id,
      });
      expect(r.errors).toBeUndefined();
      expect(r.data?.updateCaption).toEqual({ text: "Sagittal MR of the brain", revision: caption.revision + 1 });
    } finally {
      fake.reindexCaption = original;
    }
  });

  it("without a retrieval core, search answers OVERLOADED and health is degraded", async () => {
    const bare = await createServer({ ctx, retrieval: undefined, worker: false, ownsContext: false });
    const { url: bareUrl } = await bare.listen(0, "127.0.0.1");
    try {
      const client = new GraphQLClient(bareUrl, { headers: { authorization: `Bearer ${secrets.VIEWER}` }, errorPolicy: "all" });
      const health = await client.rawRequest<{ health: { status: string; retrieval: boolean } }>("{ health { status retrieval } }");
      expect(health.data?.health).toEqual({ status: "degraded", retrieval: false });
      const search = await client.rawRequest('{ searchImages(text: "x") { score } }');
      expect((search.errors?.[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code).toBe("OVERLOADED");
    } finally {
      await bare.close();
    }
  });
});

describe("rate limit and shutdown", () => {
  it("rate-limits per key with OVERLOADED and Retry-After", async () => {
    const limited = await createServer({
      ctx: { ...ctx, config: { ...ctx.config, limits: { ...ctx.config.limits, rateLimitPerMinute: 2 } } },
      retrieval: fake,
      worker: false,
      ownsContext: false,
    });
    const { url: limitedUrl } = await limited.listen(0, "127.0.0.1");
    try {
      const call = () =>
        fetch(limitedUrl, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${secrets.VIEWER}` },
          body: JSON.stringify({ query: "{ datasets { id } }" }),
        });
      expect((await call()).status).toBe(200);
      expect((await call()).status).toBe(200);
      const third = await call();
      expect(third.status).toBe(429);
      expect(third.headers.get("retry-after")).toBeTruthy();
      const refused = ((await third.json()) as GqlResult).errors?.[0];
      expect(refused?.extensions?.code).toBe("OVERLOADED");
      // Per process, and it says so (issue #28: several replicas each allow this much).
      expect(refused?.message).toMatch(/2 requests a minute per API key .*this server process alone/);
      const otherKey = await fetch(limitedUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secrets.ADMIN}` },
        body: JSON.stringify({ query: "{ datasets { id } }" }),
      });
      expect(otherKey.status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("drains an in-flight request on close, then refuses new connections", async () => {
    const slow = await createServer({ ctx, retrieval: fake, worker: false, ownsContext: false });
    const { url: slowUrl } = await slow.listen(0, "127.0.0.1");
    const original = fake.searchImages.bind(fake);
    let entered!: () => void;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    fake.searchImages = async (text, options) => {
      entered();
      await new Promise((r) => setTimeout(r, 300));
      return original(text, options);
    };
    try {
      const inflight = fetch(slowUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secrets.VIEWER}` },
        body: JSON.stringify({ query: '{ searchImages(text: "x", k: 1) { score } }' }),
      });
      await inside;
      const closing = slow.close();
      const res = await inflight;
      expect(res.status).toBe(200);
      expect(((await res.json()) as GqlResult).data?.searchImages).toHaveLength(1);
      await closing;
      await expect(fetch(slowUrl.replace("/graphql", "/healthz"))).rejects.toThrow();
    } finally {
      fake.searchImages = original;
    }
  });
});
