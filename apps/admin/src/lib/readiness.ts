import "server-only";
import { apiOrigin } from "./api.config";

/** What a starting API reports: the phase of its start-up and, for import and index, how far it is. */
export interface Startup {
  status: "starting" | "failed";
  phase: string;
  done?: number;
  total?: number;
  /** Which part of the phase the counts are for (index: "images", then "captions"). */
  step?: string;
  message?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
  /** The ONNX execution provider the model runs on (e.g. `cpu`, `cuda`), from the model check's detail. */
  provider?: string;
  /** Present while the API is still starting (or failed to start). */
  startup?: Startup;
  /** Things the API wants people to know (e.g. MedPix was not found and the catalogue is empty). */
  notices: string[];
}

interface ReadyzBody {
  status?: string;
  ok?: boolean;
  checks?: Readiness["checks"];
  phase?: string;
  done?: number;
  total?: number;
  step?: string;
  message?: string;
  notices?: string[];
}

/**
 * The API's public /readyz: the GraphQL schema has no field for the execution provider or the
 * start-up progress, the readiness report does. Missing or unreadable → undefined.
 */
export async function readiness(): Promise<Readiness | undefined> {
  try {
    const res = await fetch(new URL("/readyz", apiOrigin()), { cache: "no-store", signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as ReadyzBody;
    const checks = body.checks ?? {};
    const provider = Object.values(checks)
      .map((c) => /\son\s+(\S+)\s*$/.exec(c.detail ?? "")?.[1])
      .find(Boolean);
    const status = body.status;
    const startup: Startup | undefined =
      (status === "starting" || status === "failed") && body.phase
        ? { status, phase: body.phase, done: body.done, total: body.total, step: body.step, message: body.message }
        : undefined;
    return { ready: Boolean(body.ok), checks, provider, startup, notices: body.notices ?? [] };
  } catch {
    return undefined;
  }
}
