// Answers while the application is still being built (database start, model load): liveness yes,
// readiness no with the phase, and a typed SERVICE_UNAVAILABLE for everything else.
import type http from "node:http";
import type { BootstrapState, BootstrapStatus } from "./bootstrap.state.js";

const RETRY_AFTER_SECONDS = "5";

/** The /readyz body of a server that is not ready because it is still starting (or failed to). */
export function bootstrapReadiness(status: BootstrapStatus) {
  return { status: status.phase === "failed" ? "failed" : "starting", ok: false, ...status };
}

export function startingHandler(boot: BootstrapState): http.RequestListener {
  return (req, res) => {
    const route = (req.url ?? "/").split("?")[0];
    const send = (code: number, body: unknown) => {
      res.writeHead(code, {
        "content-type": "application/json; charset=utf-8",
        ...(code === 503 ? { "retry-after": RETRY_AFTER_SECONDS } : {}),
      });
      res.end(JSON.stringify(body));
    };
    if (route === "/healthz") return send(200, { status: "ok" });
    const status = boot.current;
    if (route === "/readyz") return send(503, bootstrapReadiness(status));
    const what =
      status.phase === "failed"
        ? `could not start: ${status.message}`
        : `is starting (${status.phase}${status.message ? `: ${status.message}` : ""}); retry shortly`;
    send(503, { errors: [{ message: `MedCap ${what}`, extensions: { code: "SERVICE_UNAVAILABLE" } }] });
  };
}
