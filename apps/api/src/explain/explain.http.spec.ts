// explainMatch over real HTTP: the real server, embedded Postgres and the committed model
// (models/medcap-base-v2). The synthetic library holds a bright disk on faint noise at two places;
// a query with the disk at one place (on other noise) must put its heat on that disk, and moving the
// disk must move the heat. Also: caption word weights, the cache, the limits and the role rules.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openTestApp } from "../../test/app.fixture.js";
import { ApiKeyService } from "../auth/api-key.service.js";
import type { AppContext } from "../core/app.context.js";
import { seededRandom } from "../core/seeded.random.js";
import { ImportService } from "../ingest/import.service.js";
import { openRetrieval, type Retrieval } from "../app/retrieval.composition.js";
import { createServer, type MedcapServer } from "../app/server.composition.js";

const SIZE = 224;
const RADIUS = 40;
/** Disk centres: upper left and lower right of the model's view (the images are square: no crop). */
const PLACES = { A: [60, 60], B: [170, 150] } as const;
const CAPTION = "Bright round lesion in the upper left quadrant.";
const MAX_ENCODES = 8;

/** A bright disk on faint noise (luminance 116..140): the disk is the only structure in the image. */
async function diskPng(cx: number, cy: number, seed: number): Promise<Buffer> {
  const random = seededRandom(seed);
  const px = Buffer.alloc(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      px[y * SIZE + x] = (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2 ? 235 : Math.floor(116 + random() * 25);
    }
  }
  return sharp(px, { raw: { width: SIZE, height: SIZE, channels: 1 } })
    .png()
    .toBuffer();
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
/** Whether the rectangle and the disk at (cx, cy) share any pixel. */
function overlapsDisk(r: Rect, [cx, cy]: readonly [number, number]): boolean {
  const nx = Math.max(r.x, Math.min(cx, r.x + r.width));
  const ny = Math.max(r.y, Math.min(cy, r.y + r.height));
  return (nx - cx) ** 2 + (ny - cy) ** 2 < RADIUS ** 2;
}

let ctx: AppContext;
let retrieval: Retrieval;
let server: MedcapServer;
let url: string;
const ids: Record<string, string> = {};
const secrets: Record<string, string> = {};

interface GqlResult {
  // biome-ignore lint/suspicious/noExplicitAny: each query selects its own shape; the assertions check it
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}
async function gql(key: string | undefined, query: string, variables?: Record<string, unknown>): Promise<GqlResult> {
  const res = await fetch(url, {
    method: "POST",
    headers: { ...(key ? { authorization: `Bearer ${secrets[key]}` } : {}), "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlResult;
}
const code = (r: GqlResult) => r.errors?.[0]?.extensions?.code;

const EXPLAIN = `query($image: ImageInput!, $captionId: ID, $imageId: ID, $grid: Int, $patch: Int) {
  explainMatch(image: $image, captionId: $captionId, imageId: $imageId, grid: $grid, patch: $patch) {
    grid patch targetKind targetId targetText similarity imageWidth imageHeight cached imageEncodes textEncodes computeMs
    crop { x y width height }
    cells { row col drop heat rect { x y width height } }
    topCells { row col drop heat rect { x y width height } }
    overlay { width height pngBase64 dataUrl }
    wordWeights { word start drop weight }
    modelVersion { name version }
  }
}`;

beforeAll(async () => {
  ctx = await openTestApp({ MEDCAP_RATE_LIMIT_PER_MIN: "0", MEDCAP_MAX_ENCODES_PER_REQUEST: String(MAX_ENCODES) });
  const images = await Promise.all(
    (["A", "B"] as const).map(async (place, i) => {
      const file = path.join(ctx.config.dataDir, `disk-${place}.png`);
      const [cx, cy] = PLACES[place];
      await writeFile(file, await diskPng(cx, cy, 99 + i));
      return {
        externalId: `D_${place}`,
        file,
        caption: place === "A" ? CAPTION : "Bright round lesion, lower right.",
        modality: "CT" as const,
      };
    }),
  );
  await new ImportService(ctx.db.prisma, ctx.images, ctx.logger).importDataset({
    dataset: { name: "disks", source: "test" },
    cases: [{ externalId: "D", split: "TRAIN", title: "Disks", images }],
    problems: [],
  });
  for (const img of await ctx.db.prisma.image.findMany({ include: { captions: true } })) {
    ids[img.externalId] = img.id;
    ids[`caption ${img.externalId}`] = img.captions[0]!.id;
  }
  const keys = new ApiKeyService(ctx.db.prisma);
  for (const role of ["VIEWER", "ANNOTATOR", "CURATOR", "ADMIN"] as const) {
    secrets[role] = (await keys.create({ label: role, role }, "test")).secret;
  }
  retrieval = await openRetrieval(ctx);
  await retrieval.indexer.indexAll(retrieval.model);
  server = await createServer({ ctx, retrieval: retrieval.search, worker: false, onClose: () => retrieval.close() });
  url = (await server.listen(0, "127.0.0.1")).url;
});

afterAll(async () => {
  await server?.close();
});

describe("occlusion map with the real model", () => {
  it("puts the most heat on the disk, and the heat moves with the disk", async () => {
    for (const [place, other] of [
      ["A", "B"],
      ["B", "A"],
    ] as const) {
      const query = (await diskPng(PLACES[place][0], PLACES[place][1], 7)).toString("base64");
      const r = await gql("VIEWER", EXPLAIN, { image: { base64: query }, imageId: ids[`D_${place}`] });
      expect(r.errors).toBeUndefined();
      const e = r.data!.explainMatch;
      expect([e.grid, e.targetKind, e.imageWidth, e.imageHeight, e.imageEncodes, e.textEncodes]).toEqual([8, "IMAGE", SIZE, SIZE, 65, 0]);
      expect(e.cells).toHaveLength(64);
      expect(e.wordWeights).toBeNull();
      const top = e.topCells as { rect: Rect; drop: number }[];
      expect(top.length).toBeGreaterThan(0);
      // The hottest cell lies on the disk and not on the other place's disk; so do most of the top 3.
      expect(overlapsDisk(top[0]!.rect, PLACES[place])).toBe(true);
      expect(overlapsDisk(top[0]!.rect, PLACES[other])).toBe(false);
      expect(top.slice(0, 3).filter((c) => overlapsDisk(c.rect, PLACES[place])).length).toBeGreaterThanOrEqual(2);
      // More heat on the disk's cells than on the cells where the other disk would be.
      const heatOn = (p: readonly [number, number]) =>
        (e.cells as { rect: Rect; heat: number }[]).filter((c) => overlapsDisk(c.rect, p)).reduce((s, c) => s + c.heat, 0);
      expect(heatOn(PLACES[place])).toBeGreaterThan(heatOn(PLACES[other]));
      // The overlay is a PNG of the image's size (224 ≤ 512), red where the top cell is.
      const png = Buffer.from(e.overlay.pngBase64, "base64");
      expect(e.overlay.dataUrl).toBe(`data:image/png;base64,${e.overlay.pngBase64}`);
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([SIZE, SIZE, 4]);
      const c = top[0]!.rect;
      const p = (Math.floor(c.y + c.height / 2) * SIZE + Math.floor(c.x + c.width / 2)) * 4;
      expect(data[p + 3]).toBeGreaterThan(0);
    }
  });
});

describe("caption target", () => {
  it("weights every word of the caption, leaving one out at a time, for a catalogue query image", async () => {
    const r = await gql("VIEWER", EXPLAIN, { image: { imageId: ids.D_A }, captionId: ids["caption D_A"], grid: 4 });
    expect(r.errors).toBeUndefined();
    const e = r.data!.explainMatch;
    const words = CAPTION.split(" ");
    expect(e.targetKind).toBe("CAPTION");
    expect(e.targetText).toBe(CAPTION);
    expect(e.wordWeights.map((w: { word: string }) => w.word)).toEqual(words);
    expect(e.wordWeights.map((w: { start: number }) => CAPTION.slice(w.start).split(" ")[0])).toEqual(words);
    expect([e.imageEncodes, e.textEncodes]).toEqual([17, words.length + 1]);
    const weights = e.wordWeights.map((w: { weight: number }) => w.weight) as number[];
    expect(Math.max(...weights.map(Math.abs))).toBeCloseTo(1);
    expect(weights.every((w) => w >= -1 && w <= 1)).toBe(true);
    expect(e.similarity).toBeGreaterThan(-1);
  });
});

describe("cache", () => {
  it("answers a repeat from the cache with the same map; another grid is computed anew", async () => {
    const vars = { image: { imageId: ids.D_B }, imageId: ids.D_A, grid: 4 };
    const first = (await gql("VIEWER", EXPLAIN, vars)).data!.explainMatch;
    // Same bytes uploaded instead of by id: the key is the image's content hash.
    const bytes = await diskPng(PLACES.B[0], PLACES.B[1], 100);
    const second = (await gql("VIEWER", EXPLAIN, { ...vars, image: { base64: bytes.toString("base64") } })).data!.explainMatch;
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect(second.cells).toEqual(first.cells);
    expect(second.overlay.pngBase64).toBe(first.overlay.pngBase64);
    const other = (await gql("VIEWER", EXPLAIN, { ...vars, grid: 2 })).data!.explainMatch;
    expect(other.cached).toBe(false);
    const wider = (await gql("VIEWER", EXPLAIN, { ...vars, patch: 2 })).data!.explainMatch;
    expect([wider.cached, wider.patch, first.patch]).toEqual([false, 2, 1]);
  });
});

describe("limits and errors", () => {
  const img = () => ({ imageId: ids.D_A });
  it("refuses a grid outside 2..16, a missing or double target, unknown ids and two explanations per request", async () => {
    expect(code(await gql("VIEWER", EXPLAIN, { image: img(), imageId: ids.D_B, grid: 1 }))).toBe("BAD_USER_INPUT");
    expect(code(await gql("VIEWER", EXPLAIN, { image: img(), imageId: ids.D_B, grid: 17 }))).toBe("BAD_USER_INPUT");
    expect(code(await gql("VIEWER", EXPLAIN, { image: img(), imageId: ids.D_B, patch: 5 }))).toBe("BAD_USER_INPUT");
    expect(code(await gql("VIEWER", EXPLAIN, { image: img() }))).toBe("BAD_USER_INPUT");
    expect(code(await gql("VIEWER", EXPLAIN, { image: img(), imageId: ids.D_B, captionId: ids["caption D_A"] }))).toBe("BAD_USER_INPUT");
    expect(code(await gql("VIEWER", EXPLAIN, { image: img(), captionId: "no-such-caption" }))).toBe("NOT_FOUND");
    expect(code(await gql("VIEWER", EXPLAIN, { image: img(), imageId: "no-such-image" }))).toBe("NOT_FOUND");
    expect(code(await gql("VIEWER", EXPLAIN, { image: { imageId: "no-such-image" }, imageId: ids.D_B }))).toBe("NOT_FOUND");
    expect(code(await gql("VIEWER", EXPLAIN, { image: { base64: "aGVsbG8=" }, imageId: ids.D_B }))).toMatch(
      /BAD_USER_INPUT|UNSUPPORTED_MEDIA/,
    );
    const two = `{ a: explainMatch(image: { imageId: "${ids.D_A}" }, imageId: "${ids.D_B}", grid: 2) { grid }
      b: explainMatch(image: { imageId: "${ids.D_B}" }, imageId: "${ids.D_A}", grid: 2) { grid } }`;
    const r = await gql("VIEWER", two);
    expect(code(r)).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toMatch(/explanations/);
  });

  it("counts ceil(grid² / 16) against the per-request encode limit", async () => {
    // 12×12 = 144 occluded copies = 9 units > 8.
    const r = await gql("VIEWER", EXPLAIN, { image: img(), imageId: ids.D_B, grid: 12 });
    expect(code(r)).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toMatch(/encodes/);
  });
});

describe("fairness", () => {
  it("another key's image search is answered while an explanation runs, not after it", async () => {
    const order: string[] = [];
    let windowSent: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      windowSent = resolve;
    });
    const encoder = retrieval.encoder;
    const original = encoder.encodeTensorsQueued.bind(encoder);
    const spy = vi.spyOn(encoder, "encodeTensorsQueued").mockImplementation((tensors) => {
      const out = original(tensors);
      windowSent();
      return out;
    });
    // A query no test used before, so the explanation is computed (65 image encodes in 5 windows).
    const query = (await diskPng(110, 100, 13)).toString("base64");
    const explanation = gql("VIEWER", EXPLAIN, { image: { base64: query }, imageId: ids.D_A }).then((r) => {
      order.push("explanation");
      return r;
    });
    // Search as another key once the explanation's first window has been handed to the encoder.
    await started;
    spy.mockRestore();
    const other = (await diskPng(60, 60, 21)).toString("base64");
    const search = gql("CURATOR", "query($b: String!) { similarImages(image: { base64: $b }, k: 1) { score } }", { b: other }).then((r) => {
      order.push("search");
      return r;
    });
    const [e, s] = await Promise.all([explanation, search]);
    expect(e.errors).toBeUndefined();
    expect(s.errors).toBeUndefined();
    expect(order).toEqual(["search", "explanation"]);
  });
});

describe("roles", () => {
  it("lets VIEWER and up explain; no key is UNAUTHENTICATED", async () => {
    const vars = { image: { imageId: ids.D_A }, imageId: ids.D_B, grid: 2 };
    for (const role of ["VIEWER", "ANNOTATOR", "CURATOR", "ADMIN"]) {
      const r = await gql(role, EXPLAIN, vars);
      expect(r.errors, role).toBeUndefined();
      expect(r.data!.explainMatch.grid).toBe(2);
    }
    expect(code(await gql(undefined, EXPLAIN, vars))).toBe("UNAUTHENTICATED");
  });
});
