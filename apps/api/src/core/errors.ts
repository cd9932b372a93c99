// One domain error type. Services throw these; transports (GraphQL, CLI) map them in one place each.

export type ErrorCode =
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "OVERLOADED"
  | "CONFLICT"
  | "UNSUPPORTED_MEDIA"
  | "MODEL_MISMATCH"
  | "SERVICE_UNAVAILABLE"
  | "INTERNAL_SERVER_ERROR";

export class MedcapError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "MedcapError";
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) => new MedcapError("BAD_USER_INPUT", message, details);
export const notFound = (what: string, id: string) => new MedcapError("NOT_FOUND", `${what} ${id} not found`, { what, id });
export const overloaded = (message: string) => new MedcapError("OVERLOADED", message);

export function isMedcapError(err: unknown): err is MedcapError {
  return err instanceof MedcapError;
}
