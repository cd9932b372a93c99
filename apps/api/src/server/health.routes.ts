// /healthz: the process answers (liveness). /readyz: the database and every readiness check pass.
import { Router } from "express";
import type { PrismaClient } from "@medcap/db";
import type { BootstrapState } from "./bootstrap.state.js";
import { bootstrapReadiness } from "./starting.handler.js";

/** Something that must be ready before the API takes traffic (the vector store, the ONNX model). */
export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean | { ok: boolean; detail?: string }>;
}

export interface ReadinessReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

const CHECK_TIMEOUT_MS = 2000;

async function runCheck(check: ReadinessCheck): Promise<{ ok: boolean; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    const out = await Promise.race([check.check(), timeout]);
    return typeof out === "boolean" ? { ok: out } : out;
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function databaseCheck(prisma: PrismaClient): ReadinessCheck {
  return {
    name: "database",
    check: async () => {
      await prisma.$queryRaw`select 1`;
      return true;
    },
  };
}

export async function readiness(checks: ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c)] as const));
  return { ok: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
}

/** With `bootstrap`, /readyz answers 503 with the start-up phase and progress until it is ready. */
export function healthRouter(checks: () => ReadinessCheck[], bootstrap?: BootstrapState): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    if (bootstrap && !bootstrap.ready) {
      res.status(503).set("Retry-After", "5").json(bootstrapReadiness(bootstrap.current));
      return;
    }
    const report = await readiness(checks());
    const notices = bootstrap?.current.notices ?? [];
    res
      .status(report.ok ? 200 : 503)
      .json({ status: report.ok ? "ready" : "not ready", ...report, ...(notices.length ? { notices } : {}) });
  });
  return router;
}
