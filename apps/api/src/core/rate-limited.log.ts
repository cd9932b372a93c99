// While the database is down every request fails the same way: one warning per interval, with how
// many were suppressed, instead of one per request (a probe once grew the log by 25 MB in 2 minutes).

export class RateLimitedLog {
  private last = Number.NEGATIVE_INFINITY;
  private suppressed = 0;
  constructor(
    private readonly message: string,
    private readonly intervalMs = 10_000,
  ) {}

  /** Logs unless it logged less than an interval ago; true when it logged. */
  note(logger: () => { warn(obj: object, msg: string): void }, err: unknown, now = Date.now()): boolean {
    if (now - this.last < this.intervalMs) {
      this.suppressed++;
      return false;
    }
    logger().warn({ err, suppressed: this.suppressed }, this.message);
    this.last = now;
    this.suppressed = 0;
    return true;
  }
}

/** Shared by every transport: GraphQL errors and the HTTP error handler. */
export const databaseDownLog = new RateLimitedLog("database unavailable: requests answer SERVICE_UNAVAILABLE");
