// Resolves the bearer key (if any) before GraphQL runs, and applies the per-key rate limit.
// An invalid key is not refused here: `health` needs no key, so refusal happens per field.
import type { NextFunction, Request, Response } from "express";
import { bearerSecret } from "../auth/api-key.format.js";
import type { ApiKeyService } from "../auth/api-key.service.js";
import type { RateLimiter } from "../auth/rate.limiter.js";
import { isMedcapError } from "../core/errors.js";
import { locals, sendError } from "./request.context.js";
import { addStage } from "../core/stage.timer.js";

export function authenticate(keys: ApiKeyService, limiter: RateLimiter) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const l = locals(res);
    const t0 = performance.now();
    try {
      const secret = bearerSecret(req.header("authorization"));
      if (secret) l.principal = await keys.authenticate(secret);
    } catch (err) {
      if (!isMedcapError(err)) return next(err);
      l.authError = err;
    }
    addStage(l.timing?.times, "auth", performance.now() - t0);
    // Anonymous and refused callers share a bucket per address, so guessing keys is rate limited too.
    const bucket = l.principal ? `key:${l.principal.keyId}` : `ip:${req.ip ?? "unknown"}`;
    if (!limiter.take(bucket)) {
      res.setHeader("Retry-After", String(limiter.retryAfterSeconds(bucket)));
      // Said plainly: the budget is this process's, so N replicas behind a proxy allow N times it.
      return sendError(
        res,
        429,
        "OVERLOADED",
        `rate limit exceeded: ${limiter.perMinute} requests a minute per API key (or per address without one), counted by this server process alone (each API replica keeps its own count); retry later`,
      );
    }
    next();
  };
}
