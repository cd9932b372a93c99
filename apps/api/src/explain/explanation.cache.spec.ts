import { describe, expect, it } from "vitest";
import { explanationKey } from "./explanation.cache.js";

describe("explanationKey", () => {
  it("keys differ by every part", () => {
    const base = { imageSha256: "h", target: "caption:1:t", grid: 8, patch: 1, model: "m@1#s" };
    const keys = new Set([
      explanationKey(base),
      explanationKey({ ...base, imageSha256: "h2" }),
      explanationKey({ ...base, target: "caption:1:t2" }),
      explanationKey({ ...base, grid: 4 }),
      explanationKey({ ...base, patch: 2 }),
      explanationKey({ ...base, model: "m@2#s" }),
    ]);
    expect(keys.size).toBe(6);
  });
});
