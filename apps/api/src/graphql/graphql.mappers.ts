// Backing types of GraphQL object types that are not Prisma models (see codegen.yml `mappers`).
import type { ApiKeyModel, CaseModel, FlagModel } from "@medcap/db";

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

export interface EdgeSource<T> {
  cursor: string;
  node: T;
}

export interface ConnectionSource<T> {
  edges: EdgeSource<T>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export type CaseEdgeSource = EdgeSource<CaseModel>;
export type CaseConnectionSource = ConnectionSource<CaseModel>;
export type FlagEdgeSource = EdgeSource<FlagModel>;
export type FlagConnectionSource = ConnectionSource<FlagModel>;
