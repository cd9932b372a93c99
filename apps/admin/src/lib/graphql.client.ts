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
  files?: Record<string, File>,
): Promise<TResult> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  let body: string | FormData;
  const fileEntries = Object.entries(files ?? {});
  if (fileEntries.length === 0) {
    headers["content-type"] = "application/json";
    body = JSON.stringify({ query: operation.toString(), variables: variables ?? {} });
  } else {
    // GraphQL multipart request spec: `files` maps a variable path ("image.upload") to the file sent for it.
    // The API keeps Apollo's CSRF prevention on, which multipart requests satisfy with this header.
    headers["apollo-require-preflight"] = "true";
    const form = new FormData();
    form.set("operations", JSON.stringify({ query: operation.toString(), variables: variables ?? {} }));
    form.set("map", JSON.stringify(Object.fromEntries(fileEntries.map(([path], i) => [String(i), [`variables.${path}`]]))));
    fileEntries.forEach(([, file], i) => {
      form.set(String(i), file, file.name || "upload");
    });
    body = form;
  }
  let res: Response;
  try {
    res = await fetch(apiUrl(), { method: "POST", headers, body, cache: "no-store" });
  } catch (err) {
    throw new ApiError("UNAVAILABLE", `The MedCap API at ${apiUrl()} cannot be reached (${(err as Error).message}).`);
  }
  let answer: GraphQLResponse<TResult>;
  try {
    answer = (await res.json()) as GraphQLResponse<TResult>;
  } catch {
    throw new ApiError(
      res.status === 413 ? "BAD_USER_INPUT" : "UNAVAILABLE",
      `The MedCap API answered HTTP ${res.status} without a GraphQL body.`,
      res.status,
    );
  }
  const first = answer.errors?.[0];
  if (first) throw new ApiError(first.extensions?.code ?? "INTERNAL_SERVER_ERROR", first.message, res.status);
  if (!answer.data) throw new ApiError("INTERNAL_SERVER_ERROR", "The MedCap API answered without data.", res.status);
  return answer.data;
}
