// The real server over real HTTP against embedded Postgres, with a recording fake retrieval port:
// the fixture the server.*.spec.ts files share (each file starts its own server and database).
import type { ApiKeyModel, Role } from "@medcap/db";
import { seedCase } from "@medcap/db/testing";
import { ClientError, GraphQLClient } from "graphql-request";
import sharp from "sharp";
import { afterAll, beforeAll } from "vitest";
import { ApiKeyService } from "../src/auth/api-key.service.js";
import type { AppContext } from "../src/core/app.context.js";
import { JobHandlerRegistry } from "../src/jobs/job.handlers.js";
import { createServer, type MedcapServer } from "../src/app/server.composition.js";
import { FakeRetrieval, openTestAppContext } from "./server.testing.js";

export const MAX_UPLOAD = 64 * 1024;
const MAX_PIXELS = 1_000_000;

// biome-ignore lint/suspicious/noExplicitAny: response data is whatever each query selects; the assertions check its shape
export type AnyData = Record<string, any>;

export interface GqlResult<T = AnyData> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; reason?: string; requestId?: string } }[];
  status: number;
}

export let ctx: AppContext;
let server: MedcapServer;
export let origin: string;
export let url: string;
export let fake: FakeRetrieval;
export const secrets = {} as Record<Role, string>;
export const keyRows = {} as Record<Role, ApiKeyModel>;
export let modelVersionId: string;
export const caseIds: string[] = [];
export let png: Buffer;
const handlers = new JobHandlerRegistry();

export async function gql<T = AnyData>(
  role: Role | "none" | string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GqlResult<T>> {
  const secret = role === "none" ? undefined : ((secrets as Record<string, string>)[role] ?? role);
  const client = new GraphQLClient(url, { headers: secret ? { authorization: `Bearer ${secret}` } : {}, errorPolicy: "all" });
  try {
    const res = await client.rawRequest<T>(query, variables);
    return { data: res.data, errors: res.errors as GqlResult["errors"], status: res.status };
  } catch (err) {
    if (err instanceof ClientError) {
      return { data: err.response.data as T, errors: err.response.errors as GqlResult["errors"], status: err.response.status };
    }
    throw err;
  }
}

/** A GraphQL multipart request (spec: operations + map + files) with plain fetch. */
export async function upload(
  role: Role,
  query: string,
  variables: Record<string, unknown>,
  filePath: string,
  bytes: Uint8Array,
  preflight = true,
) {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query, variables }));
  form.append("map", JSON.stringify({ "0": [filePath] }));
  form.append("0", new Blob([bytes], { type: "image/png" }), "image.png");
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${secrets[role]}`, ...(preflight ? { "apollo-require-preflight": "true" } : {}) },
    body: form,
  });
  const text = await res.text();
  let body: GqlResult;
  try {
    body = JSON.parse(text) as GqlResult;
  } catch {
    body = { errors: [{ message: text }] } as GqlResult;
  }
  return { ...body, status: res.status };
}

export const codeOf = (r: GqlResult) => r.errors?.[0]?.extensions?.code;

export async function pngOf(width: number, height: number, value = 128): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: value, g: value, b: value } } })
    .grayscale()
    .png()
    .toBuffer();
}

/** Starts the server on a fresh database with seeded cases, model versions and one key per role, for the calling spec file. */
export function useHttpServer() {
  beforeAll(async () => {
    ctx = await openTestAppContext({
      MEDCAP_MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
      MEDCAP_MAX_PIXELS: String(MAX_PIXELS),
      MEDCAP_MAX_K: "50",
      MEDCAP_RATE_LIMIT_PER_MIN: "0",
    });
    const prisma = ctx.db.prisma;
    png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 40, g: 90, b: 160 } } })
      .png()
      .toBuffer();
    const stored = await ctx.images.put(png, "png");
    const specs = [
      {
        dataset: "medpix",
        externalId: "MPX1",
        split: "TRAIN" as const,
        title: "Glioblastoma of the left frontal lobe",
        caseDiagnosis: "Glioblastoma",
        modality: "MR" as const,
        plane: "Axial",
        loc: "Brain and Neuro",
      },
      {
        dataset: "medpix",
        externalId: "MPX2",
        split: "TRAIN" as const,
        title: "Pneumothorax",
        caseDiagnosis: "Tension pneumothorax",
        modality: "CT" as const,
        plane: "Axial",
        loc: "Chest",
      },
      {
        dataset: "medpix",
        externalId: "MPX3",
        split: "DEV" as const,
        title: "Renal cell carcinoma",
        caseDiagnosis: "RCC",
        modality: "CT" as const,
        plane: "Coronal",
        loc: "Abdomen",
      },
      {
        dataset: "roco",
        externalId: "R1",
        split: "TRAIN" as const,
        title: "Appendicitis",
        caseDiagnosis: "Acute appendicitis",
        modality: "US" as const,
        plane: "Sagittal",
        loc: "Abdomen",
      },
      {
        dataset: "roco",
        externalId: "R2",
        split: "TEST" as const,
        title: "Meningioma",
        caseDiagnosis: "Meningioma",
        modality: "MR" as const,
        plane: "Sagittal",
        loc: "Brain and Neuro",
      },
    ];
    for (const s of specs) {
      const c = await seedCase(prisma, {
        dataset: s.dataset,
        externalId: s.externalId,
        split: s.split,
        title: s.title,
        caseDiagnosis: s.caseDiagnosis,
        images: ["a", "b"].map((view) => ({
          externalId: `${s.externalId}_${view}`,
          caption: `${s.title} image ${view}`,
          modality: s.modality,
          plane: s.plane,
          locationCategory: s.loc,
          sha256: stored.sha256,
          storedPath: stored.storedPath,
        })),
      });
      caseIds.push(c.id);
    }
    const mv = await prisma.modelVersion.create({
      data: { name: "fake", version: "1", embeddingDim: 4, manifestSha256: "0".repeat(64), active: true },
    });
    await prisma.modelVersion.create({ data: { name: "fake", version: "2", embeddingDim: 4, manifestSha256: "1".repeat(64) } });
    modelVersionId = mv.id;
    await prisma.evaluationRun.create({
      data: {
        modelVersionId: mv.id,
        protocol: "caption-library",
        split: "DEV",
        params: { k: 1 },
        metrics: { cider: 0.1 },
        finishedAt: new Date(),
      },
    });
    const keys = new ApiKeyService(prisma);
    for (const role of ["VIEWER", "ANNOTATOR", "CURATOR", "ADMIN"] as const) {
      const created = await keys.create({ label: `test-${role.toLowerCase()}`, role }, "test");
      secrets[role] = created.secret;
      keyRows[role] = created.key;
    }
    fake = new FakeRetrieval(prisma);
    fake.modelVersionId = mv.id;
    handlers.register("REINDEX", async (job, progress) => {
      await progress(0.25, "encoding images");
      await progress(0.75, "encoding captions");
      return { indexed: 10, params: job.params };
    });
    handlers.register("EVALUATION", async () => {
      throw new Error("protocol exploded");
    });
    server = await createServer({ ctx, retrieval: fake, worker: { handlers, pollIntervalMs: 50, heartbeatIntervalMs: 100 } });
    const listening = await server.listen(0, "127.0.0.1");
    url = listening.url;
    origin = url.replace(/\/graphql$/, "");
  });

  afterAll(async () => {
    await server?.close();
    await ctx?.close();
  });
}
