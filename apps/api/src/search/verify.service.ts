// `medcap verify`: does every image and current caption have exactly one vector under the active
// model version, of its current content, in Postgres and in the configured vector store? And, with
// --repair, re-index exactly what is not so.
import type { EmbeddingKind } from "@medcap/db";
import type { Logger } from "../core/logger.js";
import type { VectorStore } from "../vectors/vector.store.js";
import type { EmbeddingRepository } from "./embedding.repository.js";
import type { IndexService } from "./index.service.js";
import type { ModelRef } from "./search.types.js";

/** Target ids per finding; counts are their lengths. */
export interface VerifyFindings {
  /** No vector for the image / current caption. */
  missing: string[];
  /** A vector of other content than the row holds now (an edited caption, replaced image bytes). */
  stale: string[];
  /** A vector whose image is gone or whose caption is no longer current. */
  extra: string[];
}

export interface VerifyKindReport {
  expected: number;
  postgres: VerifyFindings;
  /** The vector store against Postgres: stale = a vector that differs from the Postgres one. */
  store: VerifyFindings;
}

export interface VerifyReport {
  model: ModelRef;
  store: VectorStore["name"];
  kinds: Record<EmbeddingKind, VerifyKindReport>;
  /** missing + stale + extra over both kinds and both places. */
  problems: number;
}

const KINDS: readonly EmbeddingKind[] = ["IMAGE", "CAPTION"];

/** Vectors equal up to the store's own normalisation (Qdrant stores cosine vectors unit-length). */
function sameDirection(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 && dot / Math.sqrt(na * nb) > 1 - 1e-5;
}

export class VerifyService {
  constructor(
    private readonly repo: EmbeddingRepository,
    private readonly store: VectorStore,
    private readonly indexer: IndexService,
    private readonly logger: Logger,
  ) {}

  async verify(model: ModelRef): Promise<VerifyReport> {
    const kinds = {} as Record<EmbeddingKind, VerifyKindReport>;
    let problems = 0;
    for (const kind of KINDS) {
      const expected = await this.repo.expectedContent(kind);
      const stored = await this.repo.storedContent(model.modelVersionId, kind);
      const postgres: VerifyFindings = { missing: [], stale: [], extra: [] };
      for (const [id, sha] of expected) {
        const row = stored.get(id);
        if (!row) postgres.missing.push(id);
        else if (row.sha !== sha) postgres.stale.push(id);
      }
      for (const id of stored.keys()) if (!expected.has(id)) postgres.extra.push(id);

      // The store must hold exactly the Postgres vectors whose target still exists.
      const store: VerifyFindings = { missing: [], stale: [], extra: [] };
      const seen = new Set<string>();
      for await (const batch of this.store.entries(model.modelVersionId, kind)) {
        for (const entry of batch) {
          const row = stored.get(entry.targetId);
          if (seen.has(entry.targetId) || !row || !expected.has(entry.targetId)) store.extra.push(entry.targetId);
          else if (!sameDirection(row.vector, entry.vector)) store.stale.push(entry.targetId);
          seen.add(entry.targetId);
        }
      }
      for (const id of stored.keys()) if (expected.has(id) && !seen.has(id)) store.missing.push(id);

      kinds[kind] = { expected: expected.size, postgres, store };
      for (const f of [postgres, store]) problems += f.missing.length + f.stale.length + f.extra.length;
    }
    return { model, store: this.store.name, kinds, problems };
  }

  /**
   * Re-indexes exactly what `report` found: encodes missing and stale targets (Postgres, then the
   * store), deletes extra vectors from both, and copies Postgres vectors the store lacks or holds
   * differently (no encoding needed). Returns a fresh report.
   */
  async repair(model: ModelRef, report: VerifyReport): Promise<VerifyReport> {
    const mv = model.modelVersionId;
    for (const kind of KINDS) {
      const { postgres, store } = report.kinds[kind];
      const extra = [...new Set([...postgres.extra, ...store.extra])];
      if (extra.length) {
        await this.store.delete(mv, kind, extra);
        await this.repo.deleteTargets(mv, kind, postgres.extra);
      }
      const encode = [...postgres.missing, ...postgres.stale];
      if (kind === "IMAGE") {
        for (const image of await this.repo.imagesByIds(encode)) await this.indexer.indexImage(model, image);
      } else {
        for (const caption of await this.repo.captionsByIds(encode)) await this.indexer.indexCaption(model, caption);
      }
      const encoded = new Set(encode);
      const copy = [...store.missing, ...store.stale].filter((id) => !encoded.has(id));
      if (copy.length) await this.indexer.restoreToStore(model, kind, copy);
      this.logger.info({ kind, extra: extra.length, encoded: encode.length, copied: copy.length }, "verify --repair");
    }
    return this.verify(model);
  }
}
