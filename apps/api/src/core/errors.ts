// One domain error type. Services throw these; transports (GraphQL, CLI) map them in one place each.

export type ErrorCode =
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "OVERLOADED"
  /** A dependency (the vector store) cannot answer right now; retrying later may succeed. */
  | "SERVICE_UNAVAILABLE"
  | "CONFLICT"
  | "UNSUPPORTED_MEDIA"
  | "MODEL_MISMATCH"
  /** A tool this command needs (pip, for `medcap gpu install`) is not installed. */
  | "PREREQUISITE_MISSING"
  /** A package registry could not be reached or did not have the pinned file. */
  | "DOWNLOAD_FAILED"
  /** A downloaded file's sha256 is not the pinned one. */
  | "INTEGRITY_MISMATCH"
  /** Two pieces that must be the same version are not (onnxruntime-node vs the pinned onnxruntime-gpu). */
  | "VERSION_MISMATCH"
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
