// Opaque cursors over stable orderings: a cursor is the base64url of the last row's id.
import { MedcapError } from "../core/errors.js";

export const MAX_PAGE_SIZE = 100;

/** One row of a page with the cursor that resumes after it. */
export interface PageEdge<T> {
  cursor: string;
  node: T;
}

/** A page of rows in cursor order (GraphQL serves it as a Relay-style connection). */
export interface CursorPage<T> {
  edges: PageEdge<T>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export function encodeCursor(id: string): string {
  return Buffer.from(`c:${id}`, "utf8").toString("base64url");
}

/** Row ids are cuids; anything else in a cursor (a NUL, which PostgreSQL refuses, other bytes) was not made here. */
const CURSOR_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function decodeCursor(cursor: string): string {
  const raw = Buffer.from(cursor, "base64url").toString("utf8");
  const id = raw.slice(2);
  // A cursor this server made decodes to `c:<id>` and encodes back to itself.
  if (!raw.startsWith("c:") || !CURSOR_ID.test(id) || encodeCursor(id) !== cursor.replace(/=+$/, "")) {
    throw new MedcapError("BAD_USER_INPUT", "invalid cursor");
  }
  return id;
}

export function pageSize(first: number | null | undefined, fallback = 20): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) {
    throw new MedcapError("BAD_USER_INPUT", `first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return n;
}

/** Builds a connection from `size + 1` fetched rows (the extra row only says another page exists). */
export function toConnection<T extends { id: string }>(rows: T[], size: number, totalCount: number): CursorPage<T> {
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ cursor: encodeCursor(node.id), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
}
