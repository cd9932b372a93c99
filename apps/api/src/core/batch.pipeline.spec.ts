import { describe, expect, it } from "vitest";
import { type BatchPipelineStages, runBatchPipeline } from "./batch.pipeline.js";

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

/** Batches 0…n-1 through stages that log what they do; `fail` makes one stage of one batch throw. */
function recorder(
  n: number,
  opts: { fail?: { stage: "prepare" | "encode" | "write"; batch: number }; onWrite?: (b: number) => void } = {},
) {
  const log: string[] = [];
  let nextBatch = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const maybeFail = (stage: "prepare" | "encode" | "write", b: number) => {
    if (opts.fail?.stage === stage && opts.fail.batch === b) throw new Error(`${stage} ${b} failed`);
  };
  const stages: BatchPipelineStages<number, string, string> = {
    next: async () => {
      await tick();
      if (nextBatch >= n) return null;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      log.push(`next ${nextBatch}`);
      return nextBatch++;
    },
    prepare: async (b) => {
      log.push(`prepare ${b} start`);
      await tick();
      maybeFail("prepare", b);
      log.push(`prepare ${b} end`);
      return `p${b}`;
    },
    encode: async (p, b) => {
      log.push(`encode ${b} start`);
      await tick();
      await tick();
      maybeFail("encode", b);
      log.push(`encode ${b} end`);
      return `e${p}`;
    },
    write: async (b, e) => {
      expect(e).toBe(`ep${b}`);
      log.push(`write ${b} start`);
      await tick();
      maybeFail("write", b);
      log.push(`write ${b} end`);
      inFlight--;
      opts.onWrite?.(b);
    },
  };
  return {
    stages,
    log,
    maxInFlight: () => maxInFlight,
    writes: () => log.filter((l) => /^write \d+ end$/.test(l)).map((l) => Number(l.split(" ")[1])),
  };
}

describe("runBatchPipeline", () => {
  it("writes every batch once, in order, one write at a time", async () => {
    const r = recorder(6);
    await expect(runBatchPipeline(r.stages)).resolves.toBe(6);
    expect(r.writes()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const [i, line] of r.log.entries()) {
      const m = /^write (\d+) start$/.exec(line);
      if (m && Number(m[1]) > 0) expect(r.log.indexOf(`write ${Number(m[1]) - 1} end`)).toBeLessThan(i);
    }
  });

  it("prepares the next batch while the current one encodes, with at most three batches in flight", async () => {
    const r = recorder(6);
    await runBatchPipeline(r.stages);
    // batch 1 is fetched and prepared before batch 0's encode ends
    expect(r.log.indexOf("prepare 1 start")).toBeLessThan(r.log.indexOf("encode 0 end"));
    expect(r.maxInFlight()).toBeLessThanOrEqual(3);
    expect(r.maxInFlight()).toBeGreaterThanOrEqual(2);
  });

  it.each(["prepare", "encode", "write"] as const)(
    "on a %s error in batch 3: batches 0-2 are written, nothing after, and the error is thrown once the writes before it end",
    async (stage) => {
      const r = recorder(8, { fail: { stage, batch: 3 } });
      await expect(runBatchPipeline(r.stages)).rejects.toThrow(`${stage} 3 failed`);
      expect(r.writes()).toEqual([0, 1, 2]);
      expect(r.log.filter((l) => /^write [4-7]/.test(l))).toEqual([]);
      // nothing started by the pipeline is still running after it threw
      const settled = r.log.length;
      await tick();
      await tick();
      await tick();
      expect(r.log.length).toBe(settled);
    },
  );

  it("writes nothing more once the signal is aborted (the abort reason is thrown)", async () => {
    const abort = new AbortController();
    const r = recorder(8, {
      onWrite: (b) => {
        if (b === 1) abort.abort(new Error("stop"));
      },
    });
    await expect(runBatchPipeline(r.stages, abort.signal)).rejects.toThrow("stop");
    expect(r.writes()).toEqual([0, 1]);
    const settled = r.log.length;
    await tick();
    await tick();
    expect(r.log.length).toBe(settled);
  });

  it("returns 0 and writes nothing when there is no batch", async () => {
    const r = recorder(0);
    await expect(runBatchPipeline(r.stages)).resolves.toBe(0);
    expect(r.log).toEqual([]);
  });
});
