import "server-only";
import type { DocumentTypeDecoration } from "@graphql-typed-document-node/core";
import { apiUrl } from "./api.config";

/** A typed operation: the generated documents are strings that carry their result and variable types. */
export type Operation<TResult, TVariables> = DocumentTypeDecoration<TResult, TVariables> & { toString(): string };

/** An error the API reported (its `extensions.code`), or UNAVAILABLE when it could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/**
 * Runs one operation against the API from the server, with the caller's API key.
 * The key never reaches the browser: it lives in an httpOnly cookie and is sent only from here.
 */
export async function execute<TResult, TVariables>(
  operation: Operation<TResult, TVariables>,
  variables: TVariables,
  apiKey: string | undefined,
): Promise<TResult> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  let res: Response;
  try {
    res = await fetch(apiUrl(), {
      method: "POST",
      headers,
      body: JSON.stringify({ query: operation.toString(), variables: variables ?? {} }),
      cache: "no-store",
    });
  } catch (err) {
    throw new ApiError("UNAVAILABLE", `The MedCap API at ${apiUrl()} cannot be reached (${(err as Error).message}).`);
  }
  let body: GraphQLResponse<TResult>;
  try {
    body = (await res.json()) as GraphQLResponse<TResult>;
  } catch {
    throw new ApiError("UNAVAILABLE", `The MedCap API answered HTTP ${res.status} without a GraphQL body.`, res.status);
  }
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.extensions?.code ?? "INTERNAL_SERVER_ERROR", first.message, res.status);
  if (!body.data) throw new ApiError("INTERNAL_SERVER_ERROR", "The MedCap API answered without data.", res.status);
  return body.data;
}
