import "server-only";

// The admin reads its own two settings here and nowhere else.
const DEFAULT_API_URL = "http://127.0.0.1:4000/graphql";

export function apiUrl(): string {
  return process.env.API_URL?.trim() || DEFAULT_API_URL;
}

/** The API's origin, for its non-GraphQL routes (`/images/:id`, `/healthz`). */
export function apiOrigin(): string {
  const url = new URL(apiUrl());
  return url.origin;
}
