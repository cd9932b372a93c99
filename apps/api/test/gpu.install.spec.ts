// Issue #16, the part a machine without a GPU can check: `medcap gpu install` from PyPI alone puts the
// CUDA provider beside onnxruntime-node's libonnxruntime.so.1 and the CUDA 13 libraries under the data
// folder; `ldd` of the provider then finds every library but the driver's libcuda.so.1; and a server
// asked for cuda,cpu falls back to CPU and says why in /readyz and `medcap info`.
//
// Wheels: ~1.43 GB, kept in ~/.cache/medcap/wheels (outside the checkout), so only the first run on a
// machine downloads (a cold install took 126 s here, most of it pip); later runs hash and unpack (~40 s).
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GpuInstallReport } from "../src/gpu/gpu.install.js";
import { CUDA_PROVIDER_LIB, ortBinDir } from "../src/gpu/gpu.paths.js";
import { lddMissing } from "../src/gpu/gpu.runtime.js";
import type { ProviderReport } from "../src/gpu/provider.report.js";
import { runCli, startCli } from "./cli.run.js";

const apiPackage = JSON.parse(readFileSync(path.join(import.meta.dirname, "..", "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};
const INSTALL_TIMEOUT = 900_000;
// A machine with an NVIDIA driver has libcuda.so.1; there `ldd` finds everything and CUDA may load.
const hasDriver = existsSync("/proc/driver/nvidia/version");
const expectedMissing = hasDriver ? [] : ["libcuda.so.1"];
const driverReason = "libcuda.so.1 not found (no NVIDIA driver)";

let dataDir: string;
let env: Record<string, string>;
// A provider that was there before the test (a developer's own install) stays; one the test put there goes.
const providerWasInstalled = existsSync(path.join(ortBinDir(), CUDA_PROVIDER_LIB));

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "medcap-gpu-"));
  await chmod(dataDir, 0o755); // the embedded server runs as the postgres user when tests run as root
  env = { MEDCAP_DATA_DIR: dataDir, MEDCAP_GPU_DIR: path.join(dataDir, "gpu"), MEDCAP_PROVIDERS: "cuda,cpu", MEDCAP_ONNX_THREADS: "1" };
});

afterAll(async () => {
  if (!providerWasInstalled) await runCli(["gpu", "remove"], env);
  await rm(dataDir, { recursive: true, force: true });
});

describe.skipIf(process.platform !== "linux" || process.arch !== "x64")("medcap gpu install (no GPU needed)", () => {
  let report: GpuInstallReport;

  it(
    "installs the pinned wheels: providers beside libonnxruntime.so.1, CUDA libraries under the data folder",
    async () => {
      const r = await runCli(["gpu", "install", "--json"], env);
      expect(r.code, r.stderr).toBe(0);
      report = JSON.parse(r.stdout) as GpuInstallReport;
      expect(report.status).toBe("installed");
      expect(report.onnxruntime).toBe(apiPackage.dependencies["onnxruntime-node"]);
      expect(report.providerDir).toBe(ortBinDir());
      expect(report.providers.map((p) => p.file).sort()).toEqual([
        "libonnxruntime_providers_cuda.so",
        "libonnxruntime_providers_shared.so",
      ]);
      expect(report.libDir).toBe(path.join(dataDir, "gpu", "cuda13", "lib"));
      for (const lib of ["libcudart.so.13", "libcublasLt.so.13", "libcublas.so.13", "libcurand.so.10", "libcudnn.so.9"]) {
        expect(existsSync(path.join(report.libDir, lib)), lib).toBe(true);
      }
      expect(report.wheels.map((w) => w.name)).toContain("nvidia-cudnn-cu13");
    },
    INSTALL_TIMEOUT,
  );

  it("leaves the CUDA provider missing nothing but the driver's libcuda.so.1 (ldd, with the installed lib folder)", () => {
    expect(report.lddMissing).toEqual(expectedMissing);
    // Independently of the report: without the lib folder, the CUDA libraries themselves are missing.
    const provider = path.join(ortBinDir(), CUDA_PROVIDER_LIB);
    expect(lddMissing(provider, report.libDir)).toEqual(expectedMissing);
    expect(lddMissing(provider)).toEqual(expect.arrayContaining(["libcublasLt.so.13", "libcudart.so.13"]));
  });

  it("says `already installed` the second time, without pip (a python that does not exist is never asked)", async () => {
    const r = await runCli(["gpu", "install", "--json", "--python", "/nonexistent/python3"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "already installed", lddMissing: expectedMissing });
  });

  it.skipIf(hasDriver)("`medcap info` asked for cuda,cpu runs on cpu and names the missing driver", async () => {
    const r = await runCli(["info", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as { provider: string; providers: ProviderReport };
    expect(info.provider).toBe("cpu");
    expect(info.providers.fallbackReason).toBe(`cuda: ${driverReason}`);
    expect(info.providers.providers).toEqual([
      { name: "cuda", status: "unavailable", reason: driverReason },
      { name: "cpu", status: "active" },
    ]);
    const text = await runCli(["info"], env);
    expect(text.stdout).toContain(`provider   cpu (cuda: ${driverReason})`);
  });

  it.skipIf(hasDriver)(
    "a server asked for cuda,cpu serves on cpu, and /readyz's model check says why",
    async () => {
      const { child, done } = startCli(["serve"], { ...env, PORT: "0" });
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let out = "";
          child.stdout?.on("data", (d) => {
            out += d;
            const m = /listening at (http:\/\/\S+?)\/graphql/.exec(out);
            if (m) resolve(m[1]!);
          });
          void done.then((r) => reject(new Error(`serve exited (${r.code}): ${r.stderr}`)));
        });
        let body: { status?: string; checks?: { model?: { ok: boolean; detail?: string } } } = {};
        for (let i = 0; i < 240 && !body.checks?.model; i++) {
          body = (await (await fetch(`${url}/readyz`)).json()) as typeof body;
          if (!body.checks?.model) await new Promise((r) => setTimeout(r, 500));
        }
        expect(body.checks?.model).toEqual({ ok: true, detail: expect.stringContaining(`on cpu (cuda: ${driverReason})`) });
      } finally {
        child.kill("SIGINT");
        await done;
      }
    },
    180_000,
  );
});
