// The install's refusals (typed errors before anything is written) and the provider report's wording.
// The real install is test/gpu.install.spec.ts.
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MedcapError } from "../core/errors.js";
import { GpuInstaller } from "./gpu.install.js";
import { downloadWheels } from "./gpu.wheels.js";
import { onnxruntimeNode, REQUIREMENTS_FILE, readPinnedWheels, wheelFilePrefix } from "./gpu.paths.js";
import { describeMissing } from "./gpu.runtime.js";
import { providerReport, providerSummary } from "./provider.report.js";

let tmp: string;
const logs: string[] = [];
const installer = (over: Partial<ConstructorParameters<typeof GpuInstaller>[0]> = {}) =>
  new GpuInstaller({
    gpuDir: path.join(tmp, "data"),
    wheelCache: path.join(tmp, "wheels"),
    python: "python3",
    log: (l) => logs.push(l),
    pipOutput: "quiet",
    ...over,
  });

async function failure(p: Promise<unknown>): Promise<MedcapError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MedcapError);
  return err as MedcapError;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "medcap-gpu-unit-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("the pinned wheel list", () => {
  it("pins onnxruntime-gpu at onnxruntime-node's exact version, and every wheel with a sha256", () => {
    const wheels = readPinnedWheels();
    expect(wheels.find((w) => w.name === "onnxruntime-gpu")?.version).toBe(onnxruntimeNode().version);
    expect(wheels.map((w) => w.name)).toEqual(
      expect.arrayContaining(["nvidia-cuda-runtime", "nvidia-cublas", "nvidia-curand", "nvidia-cudnn-cu13"]),
    );
    for (const w of wheels) expect(w.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("names wheel files as pip does (dashes become underscores)", () => {
    expect(wheelFilePrefix({ name: "nvidia-cuda-runtime", version: "13.0.96" })).toBe("nvidia_cuda_runtime-13.0.96-");
  });
});

describe("GpuInstaller refusals", () => {
  it("refuses an onnxruntime-gpu pin that is not onnxruntime-node's version (VERSION_MISMATCH), writing nothing", async () => {
    const file = path.join(tmp, "requirements-old.txt");
    const text = await readFile(REQUIREMENTS_FILE, "utf8");
    await writeFile(file, text.replace(/^onnxruntime-gpu==\S+/m, "onnxruntime-gpu==1.29.0"));
    const err = await failure(installer({ requirementsFile: file }).install());
    expect(err.code).toBe("VERSION_MISMATCH");
    expect(err.message).toContain(`onnxruntime-node is ${onnxruntimeNode().version} but requirements-old.txt pins onnxruntime-gpu 1.29.0`);
    expect(existsSync(path.join(tmp, "data"))).toBe(false);
  });

  it("refuses a line without a hash", async () => {
    const file = path.join(tmp, "requirements-unpinned.txt");
    await writeFile(file, "onnxruntime-gpu==1.30.0\n");
    expect(() => readPinnedWheels(file)).toThrow(/not a hash-pinned requirement: onnxruntime-gpu==1.30.0/);
  });

  it("says pip is needed when the python does not exist, or has no pip (PREREQUISITE_MISSING)", async () => {
    const missing = await failure(installer({ python: path.join(tmp, "no-such-python") }).install());
    expect(missing.code).toBe("PREREQUISITE_MISSING");
    expect(missing.message).toMatch(/no-such-python was not found; `medcap gpu install` downloads with pip/);
    const noPip = path.join(tmp, "python-without-pip");
    await writeFile(noPip, "#!/bin/sh\necho 'No module named pip' >&2\nexit 1\n", { mode: 0o755 });
    const err = await failure(installer({ python: noPip }).install());
    expect(err.code).toBe("PREREQUISITE_MISSING");
    expect(err.message).toContain("has no pip (No module named pip)");
  });

  it("says the download failed when no registry answers (DOWNLOAD_FAILED), naming the wheel and pip's reason", async () => {
    const runtime = readPinnedWheels().find((w) => w.name === "nvidia-cuda-runtime")!;
    const saved = { ...process.env };
    // A registry on a closed local port, no other source, no retries: what an offline machine sees.
    Object.assign(process.env, { PIP_INDEX_URL: "http://127.0.0.1:9/simple", PIP_FIND_LINKS: "", PIP_RETRIES: "0", PIP_TIMEOUT: "2" });
    try {
      const err = await failure(
        downloadWheels([runtime], { wheelCache: path.join(tmp, "wheels-offline"), python: "python3", log: () => {} }),
      );
      expect(err.code).toBe("DOWNLOAD_FAILED");
      expect(err.message).toMatch(/^pip could not download nvidia-cuda-runtime==13\.0\.96 \(no network, or no such wheel/);
      expect(err.message).toMatch(/No matching distribution|Could not find a version|Connection refused/i);
    } finally {
      for (const k of ["PIP_INDEX_URL", "PIP_FIND_LINKS", "PIP_RETRIES", "PIP_TIMEOUT"]) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  }, 60_000);

  // Talks to PyPI (a 2.2 MB wheel): pip itself refuses a file whose sha256 is not the pinned one.
  it("refuses a downloaded wheel whose sha256 is not the pinned one (INTEGRITY_MISMATCH) and keeps nothing", async () => {
    const runtime = readPinnedWheels().find((w) => w.name === "nvidia-cuda-runtime")!;
    const cache = path.join(tmp, "wheels-bad");
    const err = await failure(
      downloadWheels([{ ...runtime, sha256: "0".repeat(64) }], { wheelCache: cache, python: "python3", log: () => {} }),
    );
    expect(err.code).toBe("INTEGRITY_MISMATCH");
    expect(err.message).toMatch(/nvidia-cuda-runtime 13\.0\.96/);
    expect(await readdir(cache)).toEqual([]);
  }, 120_000);
});

describe("provider report", () => {
  it("names the driver when libcuda.so.1 is what is missing", () => {
    expect(describeMissing("libcuda.so.1")).toBe("libcuda.so.1 not found (no NVIDIA driver)");
    expect(describeMissing("libcublasLt.so.13")).toBe("libcublasLt.so.13 not found");
  });

  it("reports the fallback in one line, and each provider asked for plus cuda", () => {
    const encoder = { provider: "cpu", unavailableProviders: { tensorrt: "libnvinfer.so.10 not found" } };
    expect(providerSummary(encoder)).toBe("cpu (tensorrt: libnvinfer.so.10 not found)");
    expect(providerSummary({ provider: "cpu", unavailableProviders: {} })).toBe("cpu");
    const report = providerReport(["tensorrt", "cpu"], encoder, path.join(tmp, "data"));
    expect(report.active).toBe("cpu");
    expect(report.fallbackReason).toBe("tensorrt: libnvinfer.so.10 not found");
    expect(report.providers.map((p) => [p.name, p.status])).toEqual([
      ["tensorrt", "unavailable"],
      ["cpu", "active"],
      ["cuda", expect.stringMatching(/unavailable|available/)],
    ]);
  });
});
