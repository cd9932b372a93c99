import { describe, expect, it } from "vitest";
import { currentStageTimes, newStageTimes, timed, withStageTimes } from "./stage.timer.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("stage timer", () => {
  it("records nothing outside a timed request", async () => {
    expect(await timed("onnx", async () => 42)).toBe(42);
    expect(currentStageTimes()).toBeUndefined();
  });

  it("adds every awaited stage of a request to that request only, across timers and parallel work", async () => {
    const a = newStageTimes();
    const b = newStageTimes();
    await Promise.all([
      withStageTimes(a, async () => {
        await timed("onnx", () => sleep(20));
        await Promise.all([timed("hydrate", () => sleep(10)), timed("hydrate", () => sleep(10))]);
      }),
      withStageTimes(b, () => timed("vectorSearch", () => sleep(5))),
    ]);
    expect(a.ms.onnx).toBeGreaterThan(15);
    expect(a.ms.hydrate).toBeGreaterThan(15);
    expect(a.ms.vectorSearch).toBeUndefined();
    expect(b.ms.vectorSearch).toBeGreaterThan(2);
    expect(b.ms.onnx).toBeUndefined();
  });

  it("still records a stage that throws", async () => {
    const t = newStageTimes();
    await expect(withStageTimes(t, () => timed("onnx", () => Promise.reject(new Error("x"))))).rejects.toThrow("x");
    expect(t.ms.onnx).toBeGreaterThanOrEqual(0);
  });
});
