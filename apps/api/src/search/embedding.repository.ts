// Postgres access for vectors: the Embedding table is the source of truth for every store.
import type { EmbeddingKind, PrismaClient } from "@medcap/db";
import { bytesToVector, type PointPayload, type VectorPoint, vectorToBytes } from "../vectors/vector.store.js";

interface PayloadRow {
  targetId: string;
  imageId: string;
  caseId: string;
  dataset: string;
  split: PointPayload["split"];
  modality: PointPayload["modality"];
  plane: string | null;
  locationCategory: string | null;
}

export interface PendingImage {
  id: string;
  sha256: string;
  storedPath: string;
}

export interface PendingCaption {
  id: string;
  text: string;
}

export class EmbeddingRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Payloads (filter fields) of images or current captions, keyed by target id. */
  async payloads(kind: EmbeddingKind, targetIds?: string[]): Promise<Map<string, PointPayload>> {
    const restrict = targetIds ? targetIds : null;
    const rows =
      kind === "IMAGE"
        ? await this.prisma.$queryRaw<PayloadRow[]>`
            select i.id as "targetId", i.id as "imageId", c.id as "caseId", d.name as dataset, c.split::text as split,
                   i.modality::text as modality, i.plane, i."locationCategory"
            from "Image" i join "Case" c on c.id = i."caseId" join "Dataset" d on d.id = c."datasetId"
            where ${restrict}::text[] is null or i.id = any(${restrict}::text[])`
        : await this.prisma.$queryRaw<PayloadRow[]>`
            select cap.id as "targetId", i.id as "imageId", c.id as "caseId", d.name as dataset, c.split::text as split,
                   i.modality::text as modality, i.plane, i."locationCategory"
            from "Caption" cap join "Image" i on i.id = cap."imageId" join "Case" c on c.id = i."caseId"
            join "Dataset" d on d.id = c."datasetId"
            where cap."isCurrent" and (${restrict}::text[] is null or cap.id = any(${restrict}::text[]))`;
    return new Map(rows.map((r) => [r.targetId, { kind, ...r }]));
  }

  /** Every stored vector of a model version, in batches, joined with its current payload. */
  async *points(modelVersionId: string, batchSize = 1000): AsyncGenerator<VectorPoint[]> {
    for (const kind of ["IMAGE", "CAPTION"] as const) {
      const payloads = await this.payloads(kind);
      let cursor: string | undefined;
      for (;;) {
        const rows = await this.prisma.embedding.findMany({
          where: { modelVersionId, kind },
          select: { id: true, targetId: true, vector: true },
          orderBy: { id: "asc" },
          take: batchSize,
          ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
        });
        if (!rows.length) break;
        cursor = rows[rows.length - 1]?.id;
        const batch: VectorPoint[] = [];
        for (const r of rows) {
          const payload = payloads.get(r.targetId);
          if (payload) batch.push({ vector: bytesToVector(r.vector), payload });
        }
        yield batch;
      }
    }
  }

  /**
   * Vectors a store must hold for this model version, per kind: stored embeddings whose target still
   * exists (an image, or a caption that is current) — exactly what points() yields.
   */
  async countPoints(modelVersionId: string): Promise<Record<EmbeddingKind, number>> {
    const rows = await this.prisma.$queryRaw<{ kind: EmbeddingKind; n: bigint }[]>`
      select e.kind::text as kind, count(*) as n from "Embedding" e
      left join "Image" i on e.kind = 'IMAGE' and i.id = e."targetId"
      left join "Caption" cap on e.kind = 'CAPTION' and cap.id = e."targetId" and cap."isCurrent"
      where e."modelVersionId" = ${modelVersionId} and (i.id is not null or cap.id is not null)
      group by e.kind`;
    const out: Record<EmbeddingKind, number> = { IMAGE: 0, CAPTION: 0 };
    for (const r of rows) out[r.kind] = Number(r.n);
    return out;
  }

  async vectorOf(modelVersionId: string, kind: EmbeddingKind, targetId: string): Promise<Float32Array | undefined> {
    const row = await this.prisma.embedding.findUnique({
      where: { modelVersionId_kind_targetId: { modelVersionId, kind, targetId } },
      select: { vector: true },
    });
    return row ? bytesToVector(row.vector) : undefined;
  }

  /**
   * The texts of captions by id, current or not (a hit's caption may have been edited since it was
   * indexed: its text then is whatever the row holds now). One plain SELECT instead of
   * `caption.findMany`: captioning reads ~300 of these per shortlist, and Prisma 7's row mapping
   * cost more CPU than the query itself (see docs/speed.md). Ids that do not exist are left out.
   */
  captionTexts(ids: string[]): Promise<{ id: string; text: string }[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.prisma.$queryRaw<{ id: string; text: string }[]>`select id, text from "Caption" where id = any(${ids}::text[])`;
  }

  /**
   * The current caption of each of these images with its vector under the model version (null where
   * that caption is not indexed yet): the neighbour images' captions in one round trip, instead of a
   * caption query and then one embedding lookup per caption.
   */
  async currentCaptionsWithVectors(
    modelVersionId: string,
    imageIds: string[],
  ): Promise<{ id: string; imageId: string; text: string; vector: Float32Array | null }[]> {
    if (!imageIds.length) return [];
    const rows = await this.prisma.$queryRaw<{ id: string; imageId: string; text: string; vector: Uint8Array | null }[]>`
      select cap.id, cap."imageId", cap.text, e.vector from "Caption" cap
      left join "Embedding" e on e."modelVersionId" = ${modelVersionId} and e.kind = 'CAPTION' and e."targetId" = cap.id
      where cap."imageId" = any(${imageIds}::text[]) and cap."isCurrent"`;
    return rows.map((r) => ({ id: r.id, imageId: r.imageId, text: r.text, vector: r.vector ? bytesToVector(r.vector) : null }));
  }

  /**
   * The first `limit` images, by id, with no vector for this model version or whose bytes changed since
   * they were encoded; with `after`, only ids above it (the indexer walks the pending rows with it while
   * earlier batches are still being encoded and written).
   */
  pendingImages(modelVersionId: string, limit: number, after?: string): Promise<PendingImage[]> {
    return this.prisma.$queryRaw<PendingImage[]>`
      select i.id, i.sha256, i."storedPath" from "Image" i
      left join "Embedding" e on e."modelVersionId" = ${modelVersionId} and e.kind = 'IMAGE' and e."targetId" = i.id
      where (e.id is null or e."contentSha256" <> i.sha256) and i.id > ${after ?? ""}
      order by i.id limit ${limit}`;
  }

  countPendingImages(modelVersionId: string): Promise<number> {
    return this.prisma.$queryRaw<{ n: bigint }[]>`
      select count(*) as n from "Image" i
      left join "Embedding" e on e."modelVersionId" = ${modelVersionId} and e.kind = 'IMAGE' and e."targetId" = i.id
      where e.id is null or e."contentSha256" <> i.sha256`.then((r) => Number(r[0]?.n ?? 0));
  }

  /** Current captions with no vector, or whose text changed since it was encoded; with `after`, only ids above it. */
  pendingCaptions(modelVersionId: string, limit: number, after?: string): Promise<PendingCaption[]> {
    return this.prisma.$queryRaw<PendingCaption[]>`
      select cap.id, cap.text from "Caption" cap
      left join "Embedding" e on e."modelVersionId" = ${modelVersionId} and e.kind = 'CAPTION' and e."targetId" = cap.id
      where cap."isCurrent" and (e.id is null or e."contentSha256" <> encode(sha256(convert_to(cap.text, 'UTF8')), 'hex'))
        and cap.id > ${after ?? ""}
      order by cap.id limit ${limit}`;
  }

  countPendingCaptions(modelVersionId: string): Promise<number> {
    return this.prisma.$queryRaw<{ n: bigint }[]>`
      select count(*) as n from "Caption" cap
      left join "Embedding" e on e."modelVersionId" = ${modelVersionId} and e.kind = 'CAPTION' and e."targetId" = cap.id
      where cap."isCurrent" and (e.id is null or e."contentSha256" <> encode(sha256(convert_to(cap.text, 'UTF8')), 'hex'))`.then((r) =>
      Number(r[0]?.n ?? 0),
    );
  }

  /** Vectors already computed for identical caption text under this model (captions repeat a lot). */
  async vectorsByContent(modelVersionId: string, shas: string[]): Promise<Map<string, Float32Array>> {
    if (!shas.length) return new Map();
    const rows = await this.prisma.embedding.findMany({
      where: { modelVersionId, kind: "CAPTION", contentSha256: { in: shas } },
      select: { contentSha256: true, vector: true },
      distinct: ["contentSha256"],
    });
    return new Map(rows.map((r) => [r.contentSha256, bytesToVector(r.vector)]));
  }

  /** Writes (or replaces) vectors in one transaction, so a crash never leaves half a batch. */
  async save(modelVersionId: string, kind: EmbeddingKind, items: { targetId: string; contentSha256: string; vector: Float32Array }[]) {
    if (!items.length) return;
    await this.prisma.$transaction([
      this.prisma.embedding.deleteMany({ where: { modelVersionId, kind, targetId: { in: items.map((i) => i.targetId) } } }),
      this.prisma.embedding.createMany({
        data: items.map((i) => ({
          modelVersionId,
          kind,
          targetId: i.targetId,
          contentSha256: i.contentSha256,
          vector: vectorToBytes(i.vector),
        })),
      }),
    ]);
  }

  /**
   * Writes one caption's vector under the caption's row lock (the same `for update` lock edits take),
   * and only while `contentSha256` is still the hash of the caption's current text; `then` (the
   * vector store upsert) runs under the same lock. Re-indexes of one caption therefore apply one at a
   * time, each with the text current when it applies, so the last revision always wins: six
   * concurrent edits used to race (both deleting, then both inserting: a unique violation) and leave
   * an older revision's vector. The row is upserted, never deleted and re-inserted.
   */
  async saveCaptionIfCurrent(
    modelVersionId: string,
    item: { targetId: string; contentSha256: string; vector: Float32Array },
    then: () => Promise<void>,
  ): Promise<{ status: "saved" } | { status: "changed"; text: string } | { status: "gone" }> {
    return this.prisma.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<{ text: string; isCurrent: boolean; sha: string }[]>`
          select text, "isCurrent", encode(sha256(convert_to(text, 'UTF8')), 'hex') as sha
          from "Caption" where id = ${item.targetId} for update`;
        if (!row?.isCurrent) return { status: "gone" as const };
        if (row.sha !== item.contentSha256) return { status: "changed" as const, text: row.text };
        const key = { modelVersionId, kind: "CAPTION" as const, targetId: item.targetId };
        const data = { contentSha256: item.contentSha256, vector: vectorToBytes(item.vector) };
        await tx.embedding.upsert({ where: { modelVersionId_kind_targetId: key }, create: { ...key, ...data }, update: data });
        await then();
        return { status: "saved" as const };
      },
      // Re-indexes of one caption queue behind each other's lock, like its edits.
      { maxWait: 10_000, timeout: 30_000 },
    );
  }

  /** Caption vectors whose caption is no longer current (edited away). */
  async staleCaptionTargets(modelVersionId: string): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ targetId: string }[]>`
      select e."targetId" from "Embedding" e left join "Caption" cap on cap.id = e."targetId"
      where e."modelVersionId" = ${modelVersionId} and e.kind = 'CAPTION' and (cap.id is null or not cap."isCurrent")`;
    return rows.map((r) => r.targetId);
  }

  async deleteTargets(modelVersionId: string, kind: EmbeddingKind, targetIds: string[]) {
    if (targetIds.length) await this.prisma.embedding.deleteMany({ where: { modelVersionId, kind, targetId: { in: targetIds } } });
  }

  /** What must be embedded, per kind: every image (its bytes' sha256) or current caption (its text's). */
  async expectedContent(kind: EmbeddingKind): Promise<Map<string, string>> {
    const rows =
      kind === "IMAGE"
        ? await this.prisma.$queryRaw<{ id: string; sha: string }[]>`select id, sha256 as sha from "Image"`
        : await this.prisma.$queryRaw<{ id: string; sha: string }[]>`
            select id, encode(sha256(convert_to(text, 'UTF8')), 'hex') as sha from "Caption" where "isCurrent"`;
    return new Map(rows.map((r) => [r.id, r.sha]));
  }

  /** Every stored vector of one kind under a model version, with the hash of what was encoded. */
  async storedContent(modelVersionId: string, kind: EmbeddingKind): Promise<Map<string, { sha: string; vector: Float32Array }>> {
    const out = new Map<string, { sha: string; vector: Float32Array }>();
    let cursor: string | undefined;
    for (;;) {
      const rows = await this.prisma.embedding.findMany({
        where: { modelVersionId, kind },
        select: { id: true, targetId: true, contentSha256: true, vector: true },
        orderBy: { id: "asc" },
        take: 1000,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      });
      if (!rows.length) return out;
      cursor = rows[rows.length - 1]?.id;
      for (const r of rows) out.set(r.targetId, { sha: r.contentSha256, vector: bytesToVector(r.vector) });
    }
  }

  imagesByIds(ids: string[]): Promise<PendingImage[]> {
    return this.prisma.image.findMany({ where: { id: { in: ids } }, select: { id: true, sha256: true, storedPath: true } });
  }

  captionsByIds(ids: string[]): Promise<PendingCaption[]> {
    return this.prisma.caption.findMany({ where: { id: { in: ids } }, select: { id: true, text: true } });
  }

  async storedDims(modelVersionId: string): Promise<number | undefined> {
    const row = await this.prisma.embedding.findFirst({ where: { modelVersionId }, select: { vector: true } });
    return row ? row.vector.byteLength / 4 : undefined;
  }
}
