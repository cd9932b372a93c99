// Unit test of the served-model handle's logic (no ONNX here; the e2e test under test/api switches
// the committed models on a running server): in-flight calls finish on the old model, which closes
// after them; one request never mixes two models; a failed load or commit changes nothing.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { MedcapError } from "../core/errors.js";
import { RequestScope, runInRequestScope } from "../core/request.scope.js";
import { ServedModel } from "./served.model.js";

class FakeServed {
  closed = false;
  readonly model;
  constructor(readonly id: string) {
    this.model = { name: id, version: "1", modelVersionId: id };
  }
  async close() {
    this.closed = true;
  }
}

const logger = pino({ level: "silent" });

function handle(active: { id?: string } = {}, failing = new Set<string>()) {
  const loaded: FakeServed[] = [];
  const served = new ServedModel<FakeServed>(new FakeServed("A"), {
    load: async (id) => {
      if (failing.has(id)) throw new MedcapError("CONFLICT", `no folder for ${id}`);
      const s = new FakeServed(id);
      loaded.push(s);
      return s;
    },
    activeVersionId: async () => active.id,
    logger,
  });
  return { served, loaded };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("ServedModel", () => {
  it("switches for new calls at once, lets an in-flight call finish on the old model, then closes it", async () => {
    const { served } = handle();
    const old = served.current;
    const gate = deferred();
    const inFlight = served.use(async (s) => {
      await gate.promise;
      return s.id;
    });
    await served.switchTo("B");
    expect(served.current.id).toBe("B");
    expect(await served.use(async (s) => s.id)).toBe("B");
    expect(old.closed).toBe(false);
    gate.resolve();
    expect(await inFlight).toBe("A");
    expect(old.closed).toBe(true);
  });

  it("pins one generation per request until the response closes, so a request never mixes models", async () => {
    const { served } = handle();
    const a = served.current;
    const scope = new RequestScope("key:test");
    const seen: string[] = [];
    await runInRequestScope(scope, async () => {
      seen.push(await served.use(async (s) => s.id));
      await served.switchTo("B");
      seen.push(await served.use(async (s) => s.id));
    });
    expect(seen).toEqual(["A", "A"]);
    // Another request starting now gets B; A stays open while the first request's response is open.
    expect(await runInRequestScope(new RequestScope("key:other"), () => served.use(async (s) => s.id))).toBe("B");
    expect(a.closed).toBe(false);
    scope.cancel(new MedcapError("OVERLOADED", "the request has been answered"));
    await new Promise((r) => setImmediate(r));
    expect(a.closed).toBe(true);
  });

  it("runs the commit between load and swap; a failing load or commit leaves the old model serving and closes the new one", async () => {
    const { served, loaded } = handle({}, new Set(["broken"]));
    await expect(served.switchTo("broken")).rejects.toMatchObject({ code: "CONFLICT" });
    expect(served.current.id).toBe("A");
    await expect(
      served.switchTo("B", async () => {
        throw new Error("database flip failed");
      }),
    ).rejects.toThrow("database flip failed");
    expect(served.current.id).toBe("A");
    expect(loaded[0]?.closed).toBe(true);
    const order: string[] = [];
    await served.switchTo("C", async () => {
      order.push(`commit while serving ${served.current.id}`);
    });
    expect(order).toEqual(["commit while serving A"]);
    expect(served.current.id).toBe("C");
  });

  it("never undoes a switch with an active-version read taken before it (reads and switches are queued together)", async () => {
    const active: { id?: string } = { id: "A" };
    const readGate = deferred();
    const served = new ServedModel<FakeServed>(new FakeServed("A"), {
      load: async (id) => new FakeServed(id),
      activeVersionId: async () => {
        const seen = active.id;
        await readGate.promise;
        return seen;
      },
      logger,
    });
    const following = served.follow();
    const switching = served.switchTo("B", async () => {
      active.id = "B";
    });
    // The read answers only after the switch could have finished (were it not queued behind the read).
    await new Promise((r) => setTimeout(r, 20));
    readGate.resolve();
    await Promise.all([following, switching]);
    expect(served.current.id).toBe("B");
  });

  it("follows the active version set elsewhere, and reports (without retrying) one it cannot load", async () => {
    const active: { id?: string } = { id: "A" };
    const { served, loaded } = handle(active, new Set(["gone"]));
    await served.follow();
    expect(loaded).toHaveLength(0);
    active.id = "B";
    await served.follow();
    expect(served.current.id).toBe("B");
    active.id = "gone";
    await served.follow();
    await served.follow();
    expect(served.current.id).toBe("B");
    expect(served.failure).toMatchObject({ modelVersionId: "gone", message: "no folder for gone" });
    active.id = "C";
    await served.follow();
    expect(served.current.id).toBe("C");
    expect(served.failure).toBeUndefined();
    await served.close();
    expect(served.current.closed).toBe(true);
  });
});
