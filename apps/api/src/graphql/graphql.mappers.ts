// Backing types of GraphQL object types that are not Prisma models (see codegen.yml `mappers`).
import type { ApiKeyModel, CaptionSuspicionModel, CaseModel, FlagModel } from "@medcap/db";
import type { CursorPage, PageEdge } from "../curation/pagination.js";

/** Provenance is resolved lazily from an image id (and its case id when the caller knows it). */
export interface ProvenanceSource {
  imageId: string;
  caseId?: string;
}

export interface HealthSource {
  database: boolean;
  retrieval: boolean;
  uptimeSeconds: number;
}

export interface CreatedApiKeySource {
  key: ApiKeyModel;
  secret: string;
}

export type CaseEdgeSource = PageEdge<CaseModel>;
export type CaseConnectionSource = CursorPage<CaseModel>;
export type FlagEdgeSource = PageEdge<FlagModel>;
export type FlagConnectionSource = CursorPage<FlagModel>;
export type CaptionSuspicionEdgeSource = PageEdge<CaptionSuspicionModel>;
export type CaptionSuspicionConnectionSource = CursorPage<CaptionSuspicionModel>;
