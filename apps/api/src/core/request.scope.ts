// What the encoders need to know about the API request they work for, without every layer between
// (resolver → service → search) passing it along: whose request it is (fair queueing per API key),
// whether it is still wanted (a client gone or a request failed: drop its queued encodes), and how
// many encodes it has caused (a per-request cap, behind the static count in the cost model).
import { AsyncLocalStorage } from "node:async_hooks";
import { MedcapError } from "./errors.js";

export class RequestScope {
  private readonly controller = new AbortController();
  private encodes = 0;

  constructor(
    /** The fairness key: `key:<api key id>` or `ip:<address>`. */
    readonly key: string,
    readonly maxEncodes: number,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Drops the request's queued work; later submits are refused with `reason`. */
  cancel(reason: MedcapError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** Counts one encode; BAD_USER_INPUT beyond the request's cap. */
  countEncode(): void {
    this.encodes++;
    if (this.encodes > this.maxEncodes) {
      throw new MedcapError("BAD_USER_INPUT", `this request needs more than ${this.maxEncodes} encodes, the limit per request`, {
        maxEncodes: this.maxEncodes,
      });
    }
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
