// Unit test of the service's logic with a fake encoder (the real model is exercised over HTTP in
// explain.http.spec.ts): argument checks, batch-sized windows, the cache and its key.
import type { PrismaClient } from "@medcap/db";
import { describe, expect, it } from "vitest";
import { MedcapError } from "../core/errors.js";
import { RequestScope, runInRequestScope } from "../core/request.scope.js";
import { ExplanationService, type ExplainEncoder } from "./explanation.service.js";

const SIZE = 8;

/** Embeds an image as [mean of the top-left quarter, 1]: only that region matters to the "model". */
function fakeEncoder(batchSize = 4) {
  const windows: number[] = [];
  const texts: string[][] = [];
  const embed = (t: Float32Array) => {
    let s = 0;
    for (let y = 0; y < SIZE / 2; y++) for (let x = 0; x < SIZE / 2; x++) s += t[y * SIZE + x]!;
    return Float32Array.of(s / 16, 1);
  };
  const encoder: ExplainEncoder = {
    imageSpec: { size: SIZE, mean: [0, 0, 0], std: [1, 1, 1] },
    batchSize,
    info: () => ({ name: "fake", version: "1", dim: 2, provider: "cpu", manifestSha256: "x", unavailableProviders: {} }),
    preprocessWithSize: async () => ({ tensor: new Float32Array(3 * SIZE * SIZE).fill(3), width: 80, height: 80 }),
    encodeTensorsQueued: async (tensors) => {
      windows.push(tensors.length);
      return tensors.map(embed);
    },
    encodeTextsQueued: async (t) => {
      texts.push([...t]);
      return t.map((s) => Float32Array.of(s.includes("mass") ? 3 : 0.1, 1));
    },
  };
  return { encoder, windows, texts };
}

function service(batchSize = 4, cacheSize = 8) {
  const f = fakeEncoder(batchSize);
  const captions = new Map([["c1", "a mass here"]]);
  const prisma = {
    caption: {
      findUnique: async ({ where }: { where: { id: string } }) =>
        captions.has(where.id) ? { id: where.id, text: captions.get(where.id) } : null,
    },
    image: {
      findUnique: async ({ where }: { where: { id: string } }) => (where.id === "i1" ? { id: "i1", sha256: "s1", storedPath: "p" } : null),
    },
  } as unknown as PrismaClient;
  const svc = new ExplanationService({
    prisma,
    encoder: f.encoder,
    repo: { vectorOf: async (_m, _k, id) => (id === "i1" ? Float32Array.of(3, 1) : undefined) },
    model: { name: "fake", version: "1", modelVersionId: "mv" },
    readImage: async () => Uint8Array.of(1),
    cacheSize,
  });
  return { svc, captions, ...f };
}

const query = { bytes: Uint8Array.of(1, 2, 3) };

describe("ExplanationService", () => {
  it("puts the heat where the model looks, encodes in batch-sized windows, and weights the words", async () => {
    const { svc, windows, texts } = service(4);
    const e = await svc.explain(query, { captionId: "c1" }, { grid: 2 });
    expect(windows).toEqual([4, 1]); // 2×2 occluded copies + the original, 4 at a time
    expect(texts).toEqual([["a mass here", "mass here", "a here", "a mass"]]);
    expect(e.topCells.map((c) => [c.row, c.col])).toEqual([[0, 0]]);
    expect(e.cells.map((c) => c.heat)).toEqual([1, 0, 0, 0]);
    expect(e.cells[0]!.rect).toEqual({ x: 0, y: 0, width: 40, height: 40 });
    expect(e.words?.map((w) => w.word)).toEqual(["a", "mass", "here"]);
    expect(e.words?.[1]?.weight).toBe(1);
    expect(e.words?.[0]?.drop).toBeCloseTo(0);
    expect([e.imageEncodes, e.textEncodes, e.cached]).toEqual([5, 4, false]);
  });

  it("answers a repeat from the cache, and a changed caption or grid is a new entry", async () => {
    const { svc, captions, windows } = service();
    await svc.explain(query, { captionId: "c1" }, { grid: 2 });
    expect((await svc.explain(query, { captionId: "c1" }, { grid: 2 })).cached).toBe(true);
    expect((await svc.explain(query, { captionId: "c1" }, { grid: 3 })).cached).toBe(false);
    expect((await svc.explain(query, { captionId: "c1" }, { grid: 3, patch: 2 })).cached).toBe(false);
    captions.set("c1", "a mass there");
    expect((await svc.explain(query, { captionId: "c1" }, { grid: 2 })).cached).toBe(false);
    expect(svc.cacheStats()).toMatchObject({ hits: 1, misses: 4, size: 4 });
    expect(windows.length).toBe(2 + 3 + 3 + 2);
  });

  it("shares one computation between identical concurrent calls", async () => {
    const { svc, windows } = service(16);
    const [a, b] = await Promise.all([
      svc.explain(query, { imageId: "i1" }, { grid: 2 }),
      svc.explain(query, { imageId: "i1" }, { grid: 2 }),
    ]);
    expect(windows).toEqual([5]);
    expect(a.words).toBeNull();
    expect(b.topCells[0]).toMatchObject({ row: 0, col: 0 });
  });

  it("a shared computation whose starting request is cancelled is redone for a caller still waiting", async () => {
    const { svc, encoder, windows } = service(2);
    const first = new RequestScope("key:a");
    const encode = encoder.encodeTensorsQueued;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The first window of the first call waits until the second call has joined it.
    encoder.encodeTensorsQueued = async (tensors) => {
      if (windows.length === 0) await gate;
      return encode(tensors);
    };
    const a = runInRequestScope(first, () => svc.explain(query, { imageId: "i1" }, { grid: 2 }));
    const b = runInRequestScope(new RequestScope("key:b"), () => svc.explain(query, { imageId: "i1" }, { grid: 2 }));
    await new Promise((r) => setTimeout(r, 10));
    first.cancel(new MedcapError("SERVICE_UNAVAILABLE", "client gone"));
    release();
    await expect(a).rejects.toThrow("client gone");
    const answer = await b;
    expect(answer.cached).toBe(false);
    expect(answer.topCells[0]).toMatchObject({ row: 0, col: 0 });
  });

  it("refuses bad arguments with typed errors before encoding anything", async () => {
    const { svc, windows } = service();
    const code = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e: { code?: string }) => e.code,
      );
    expect(await code(svc.explain(query, { captionId: "c1" }, { grid: 1 }))).toBe("BAD_USER_INPUT");
    expect(await code(svc.explain(query, { captionId: "c1" }, { grid: 17 }))).toBe("BAD_USER_INPUT");
    expect(await code(svc.explain(query, { captionId: "c1" }, { grid: 2.5 }))).toBe("BAD_USER_INPUT");
    expect(await code(svc.explain(query, { captionId: "c1" }, { grid: 8, patch: 0 }))).toBe("BAD_USER_INPUT");
    expect(await code(svc.explain(query, { captionId: "c1" }, { grid: 8, patch: 5 }))).toBe("BAD_USER_INPUT");
    expect(await code(svc.explain(query, { captionId: "c1" }, { grid: 2, patch: 2 }))).toBe("BAD_USER_INPUT");
    expect(await code(svc.explain(query, {}, {}))).toBe("BAD_USER_INPUT");
    expect(await code(svc.explain(query, { captionId: "c1", imageId: "i1" }, {}))).toBe("BAD_USER_INPUT");
    expect(await code(svc.explain(query, { captionId: "nope" }, {}))).toBe("NOT_FOUND");
    expect(await code(svc.explain(query, { imageId: "nope" }, {}))).toBe("NOT_FOUND");
    expect(await code(svc.explain({ imageId: "nope" }, { captionId: "c1" }, {}))).toBe("NOT_FOUND");
    expect(windows).toEqual([]);
  });
});
