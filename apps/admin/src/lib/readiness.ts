import "server-only";
import { apiOrigin } from "./api.config";

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
  /** The ONNX execution provider the model runs on (e.g. `cpu`, `cuda`), from the model check's detail. */
  provider?: string;
}

/**
 * The API's public /readyz: the GraphQL schema has no field for the execution provider, the
 * readiness report does ("<model> <version> on <provider>"). Missing or unreadable → undefined.
 */
export async function readiness(): Promise<Readiness | undefined> {
  try {
    const res = await fetch(new URL("/readyz", apiOrigin()), { cache: "no-store", signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as { ok?: boolean; checks?: Readiness["checks"] };
    const checks = body.checks ?? {};
    const provider = Object.values(checks)
      .map((c) => /\son\s+(\S+)\s*$/.exec(c.detail ?? "")?.[1])
      .find(Boolean);
    return { ready: Boolean(body.ok), checks, provider };
  } catch {
    return undefined;
  }
}
