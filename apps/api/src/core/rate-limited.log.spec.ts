import { expect, it } from "vitest";
import { RateLimitedLog } from "./rate-limited.log.js";

it("logs once per interval and counts what it suppressed", () => {
  const lines: { obj: object; msg: string }[] = [];
  const logger = () => ({ warn: (obj: object, msg: string) => lines.push({ obj, msg }) });
  const log = new RateLimitedLog("db down", 10_000);
  expect(log.note(logger, "e1", 0)).toBe(true);
  for (let t = 1; t < 100; t++) log.note(logger, "e", t * 50);
  expect(lines).toHaveLength(1);
  expect(log.note(logger, "e2", 10_000)).toBe(true);
  expect(lines[1]?.obj).toMatchObject({ suppressed: 99 });
});
