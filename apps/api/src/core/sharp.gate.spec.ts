import { describe, expect, it } from "vitest";
import { SharedExclusiveLock } from "./sharp.gate.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
const tick = () => new Promise((r) => setImmediate(r));

describe("SharedExclusiveLock", () => {
  it("lets shared holders overlap, runs an exclusive one alone, and keeps arrival order", async () => {
    const lock = new SharedExclusiveLock();
    const log: string[] = [];
    const hold = (name: string, gate: Promise<void>) => async () => {
      log.push(`${name}+`);
      await gate;
      log.push(`${name}-`);
    };
    const a = deferred();
    const b = deferred();
    const x = deferred();
    const c = deferred();
    const runs = [
      lock.withShared(hold("a", a.promise)),
      lock.withShared(hold("b", b.promise)),
      lock.withExclusive(hold("x", x.promise)),
      lock.withShared(hold("c", c.promise)), // arrives after x: waits behind it, not beside a and b
    ];
    await tick();
    expect(log).toEqual(["a+", "b+"]);
    expect(lock.state()).toEqual({ shared: 2, exclusive: false, waiting: 2 });
    a.resolve();
    await tick();
    expect(log).toEqual(["a+", "b+", "a-"]);
    b.resolve();
    await tick();
    expect(log).toEqual(["a+", "b+", "a-", "b-", "x+"]);
    x.resolve();
    await tick();
    expect(log.slice(-2)).toEqual(["x-", "c+"]);
    c.resolve();
    await Promise.all(runs);
    expect(lock.state()).toEqual({ shared: 0, exclusive: false, waiting: 0 });
  });

  it("releases the lock when the work throws", async () => {
    const lock = new SharedExclusiveLock();
    await expect(lock.withExclusive(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(lock.withShared(async () => 1)).resolves.toBe(1);
    expect(lock.state()).toEqual({ shared: 0, exclusive: false, waiting: 0 });
  });
});
