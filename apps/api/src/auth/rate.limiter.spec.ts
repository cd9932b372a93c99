import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate.limiter.js";

describe("RateLimiter", () => {
  it("allows a minute's worth as a burst, then refills continuously, per key", () => {
    let now = 0;
    const limiter = new RateLimiter(3, () => now);
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([true, true, true, false]);
    expect(limiter.take("b")).toBe(true);
    expect(limiter.retryAfterSeconds("a")).toBe(20);
    now += 20_000;
    expect(limiter.take("a")).toBe(true);
    expect(limiter.take("a")).toBe(false);
  });

  it("is off at 0", () => {
    const limiter = new RateLimiter(0);
    for (let i = 0; i < 1000; i++) expect(limiter.take("a")).toBe(true);
  });
});
