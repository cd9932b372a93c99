// Test fixtures for the API: an AppContext on a throwaway embedded Postgres, and a recording fake
// of the retrieval port (the real one is exercised by the end-to-end tests under /test).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { PrismaClient } from "@medcap/db";
import { openTestDatabase } from "@medcap/db/testing";
import pino from "pino";
import { type Config, loadConfig } from "../src/config/config.js";
import type { AppContext } from "../src/core/app.context.js";
import { ImageStore } from "../src/core/image.store.js";
import type { CaptioningOverrides, CaptioningSettings } from "../src/search/caption.strategy.js";
import type { CaptionMatch, ImageMatch, ImageQuery, RetrievalPort } from "../src/search/search.types.js";
import type { SearchFilter } from "../src/vectors/vector.store.js";

export async function openTestAppContext(env: Record<string, string> = {}): Promise<AppContext> {
  const db = await openTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-api-"));
  const config: Config = loadConfig({ MEDCAP_DATA_DIR: dataDir, MEDCAP_LOG_LEVEL: "silent", ...env });
  return {
    config,
    logger: pino({ level: process.env.MEDCAP_TEST_LOG ?? "silent" }),
    db,
    images: new ImageStore(config.imagesDir),
    close: async () => {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface RecordedCall {
  method: keyof RetrievalPort;
  args: unknown[];
}

/** Answers from whatever is in the catalogue (first images by id) and records every call. */
export class FakeRetrieval implements RetrievalPort {
  readonly calls: RecordedCall[] = [];
  modelVersionId = "fake-model";

  constructor(private readonly prisma: PrismaClient) {}

  private model() {
    return { name: "fake", version: "1", modelVersionId: this.modelVersionId };
  }

  private async images(k: number, filter?: SearchFilter) {
    return this.prisma.image.findMany({
      where: {
        ...(filter?.modalities ? { modality: { in: filter.modalities } } : {}),
        ...(filter?.caseIds ? { caseId: { in: filter.caseIds } } : {}),
      },
      orderBy: { id: "asc" },
      take: k,
    });
  }

  async captionImage(query: ImageQuery, options: { k: number; filter?: SearchFilter } & CaptioningOverrides): Promise<CaptionMatch[]> {
    this.calls.push({ method: "captionImage", args: [query, options] });
    const images = await this.images(options.k, options.filter);
    const captions = await this.prisma.caption.findMany({ where: { imageId: { in: images.map((i) => i.id) }, isCurrent: true } });
    const strategy = options.strategy ?? "text";
    return captions.map((c, i) => {
      const image = images.find((im) => im.id === c.imageId)!;
      const similarity = 1 - i / 100;
      // A deterministic stand-in for the neighbour vote: each caption's own image "votes" for it.
      const vote = strategy === "text" ? 0 : 1 / captions.length;
      const supportingImages = vote ? [{ imageId: image.id, caseId: image.caseId, similarity, weight: vote }] : [];
      return {
        text: c.text,
        score: strategy === "text" ? similarity : vote,
        similarity,
        vote,
        strategy,
        supportingImages,
        captionIds: [c.id],
        imageIds: [image.id],
        caseIds: [image.caseId],
        model: this.model(),
      };
    });
  }

  captioningDefaults(): CaptioningSettings {
    return { strategy: "fused", neighbours: 10, temperature: 0.05, weight: 0.5, consensus: null };
  }

  async searchImages(text: string, options: { k: number; filter?: SearchFilter }): Promise<ImageMatch[]> {
    this.calls.push({ method: "searchImages", args: [text, options] });
    const images = await this.images(options.k, options.filter);
    return images.map((im, i) => ({ imageId: im.id, caseId: im.caseId, score: 0.9 - i / 100, model: this.model() }));
  }

  async similarImages(query: ImageQuery, options: { k: number; filter?: SearchFilter; excludeSameCase?: boolean }): Promise<ImageMatch[]> {
    this.calls.push({ method: "similarImages", args: [query, options] });
    const images = await this.images(options.k, options.filter);
    return images.map((im, i) => ({ imageId: im.id, caseId: im.caseId, score: 0.8 - i / 100, model: this.model() }));
  }

  async reindexCaption(captionId: string): Promise<void> {
    this.calls.push({ method: "reindexCaption", args: [captionId] });
  }

  async indexImage(imageId: string): Promise<void> {
    this.calls.push({ method: "indexImage", args: [imageId] });
  }

  callsTo(method: keyof RetrievalPort): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }
}
