// What the encoders need to know about the API request they work for, without every layer between
// (resolver → service → search) passing it along: whose request it is (fair queueing per API key),
// and whether it is still wanted (a client gone or a request failed: drop its queued encodes). How many
// encodes a request may cause is decided before it runs, by the cost model (query.limits.ts).
import { AsyncLocalStorage } from "node:async_hooks";
import type { MedcapError } from "./errors.js";

export class RequestScope {
  private readonly controller = new AbortController();

  constructor(
    /** The fairness key: `key:<api key id>` or `ip:<address>`. */
    readonly key: string,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Drops the request's queued work; later submits are refused with `reason`. */
  cancel(reason: MedcapError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }
}

const storage = new AsyncLocalStorage<RequestScope>();

export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The scope of the request being served, or undefined outside one (CLI, jobs, bulk indexing). */
export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}
