import pino, { type Logger } from "pino";

export type { Logger };

/** Structured JSON logs to stderr (stdout stays clean for CLI output such as --json). */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service: "medcap", ...bindings } }, pino.destination(2));
}
