// The one place errors become GraphQL `extensions.code`s. Domain errors keep their message; anything
// unexpected is masked as INTERNAL_SERVER_ERROR and logged (with the request id) by the plugin.
import { unwrapResolverError } from "@apollo/server/errors";
// `graphql/index.js`: the module instance Apollo loads, under vitest too (whose resolver would pick the .mjs build and break instanceof checks).
import { GraphQLError, type GraphQLFormattedError } from "graphql/index.js";
import { isMedcapError } from "../core/errors.js";

export const PUBLIC_CODES = [
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "OVERLOADED",
  "SERVICE_UNAVAILABLE",
  "CONFLICT",
  "INTERNAL_SERVER_ERROR",
] as const;
export type PublicCode = (typeof PUBLIC_CODES)[number];

export interface ClassifiedError {
  code: PublicCode;
  message: string;
  /** The domain or Apollo code, when it differs from `code`. */
  reason?: string;
  /** Unexpected: masked for the client, logged in full. */
  internal: boolean;
  /** OVERLOADED: when to retry (also sent as the Retry-After header). */
  retryAfterSeconds?: number;
}

const MASKED = "Internal server error";

/** Apollo's own request-shape errors: the client sent something wrong. */
const CLIENT_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

/** Error codes of a database that cannot be reached or went away (Prisma, pg/libpq SQLSTATE, sockets). */
const DATABASE_DOWN_CODES = new Set([
  "P1001",
  "P1002",
  "P1008",
  "P1017",
  "P2024",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08006",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
]);
const DATABASE_DOWN_MESSAGE =
  /Connection terminated|Can't reach database|server closed the connection|terminating connection|connection (refused|ended|closed)|ECONNREFUSED|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)/i;
/** Driver-adapter error kinds (Prisma 7) that mean the server is gone rather than the query wrong. */
const DATABASE_DOWN_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/** Whether an error (or one of its causes) says the database is unreachable: a typed SERVICE_UNAVAILABLE, not a 500. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 8; depth++) {
    const { code, kind, message, cause, meta } = e as {
      code?: unknown;
      kind?: unknown;
      message?: unknown;
      cause?: unknown;
      meta?: unknown;
    };
    if (typeof code === "string" && DATABASE_DOWN_CODES.has(code)) return true;
    if (typeof kind === "string" && DATABASE_DOWN_KINDS.has(kind)) return true;
    if (typeof message === "string" && DATABASE_DOWN_MESSAGE.test(message)) return true;
    // Prisma's known-request errors carry the driver adapter's error under meta.
    e = cause ?? (meta as { driverAdapterError?: unknown } | undefined)?.driverAdapterError;
  }
  return false;
}

export function classifyError(error: unknown): ClassifiedError {
  const original = unwrapResolverError(error);
  if (!isMedcapError(original) && isDatabaseUnavailable(original)) {
    // No host, port or driver text for the client: those stay in the (rate-limited) server log.
    return {
      code: "SERVICE_UNAVAILABLE",
      message: "the database is unavailable; retry shortly",
      reason: "DATABASE_UNAVAILABLE",
      internal: false,
      retryAfterSeconds: 5,
    };
  }
  if (isMedcapError(original)) {
    switch (original.code) {
      case "BAD_USER_INPUT": {
        const reason = original.details.reason;
        return { code: original.code, message: original.message, internal: false, ...(typeof reason === "string" && { reason }) };
      }
      case "NOT_FOUND":
      case "UNAUTHENTICATED":
      case "FORBIDDEN":
        return { code: original.code, message: original.message, internal: false };
      case "OVERLOADED":
      case "SERVICE_UNAVAILABLE": {
        // How long to wait: the thrower's estimate, else 1 s for a full queue and 5 s for a dependency that is down.
        const hint = original.details.retryAfterSeconds;
        const fallback = original.code === "OVERLOADED" ? 1 : 5;
        const retryAfterSeconds = typeof hint === "number" && hint >= 1 ? Math.ceil(hint) : fallback;
        return { code: original.code, message: original.message, internal: false, retryAfterSeconds };
      }
      case "CONFLICT":
        return { code: original.code, message: original.message, internal: false };
      case "UNSUPPORTED_MEDIA":
        return { code: "BAD_USER_INPUT", message: original.message, reason: original.code, internal: false };
      default:
        return { code: "INTERNAL_SERVER_ERROR", message: MASKED, reason: original.code, internal: true };
    }
  }
  if (original instanceof GraphQLError) {
    const code = String(original.extensions.code ?? "");
    if (CLIENT_ERROR_CODES.has(code)) {
      // A more specific reason (QUERY_TOO_DEEP, QUERY_TOO_COMPLEX) wins over the Apollo code.
      const reason = typeof original.extensions.reason === "string" ? original.extensions.reason : code || undefined;
      return { code: "BAD_USER_INPUT", message: original.message, reason, internal: false };
    }
    if ((PUBLIC_CODES as readonly string[]).includes(code) && code !== "INTERNAL_SERVER_ERROR") {
      return { code: code as PublicCode, message: original.message, internal: false };
    }
  }
  // graphql-upload and body-parser raise http-errors: 4xx statuses are the client's fault.
  const status = (original as { status?: unknown; expose?: unknown } | null)?.status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return { code: "BAD_USER_INPUT", message: (original as Error).message, reason: `HTTP_${status}`, internal: false };
  }
  return { code: "INTERNAL_SERVER_ERROR", message: MASKED, internal: true };
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const c = classifyError(error);
  return {
    message: c.message,
    ...(formatted.locations && !c.internal ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: {
      code: c.code,
      ...(c.reason && !c.internal ? { reason: c.reason } : {}),
      ...(c.retryAfterSeconds ? { retryAfterSeconds: c.retryAfterSeconds } : {}),
    },
  };
}
