// medcap gpu install | remove | parity: the CUDA execution provider from PyPI, and its proof.
import path from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../config/config.js";
import { MedcapError } from "../core/errors.js";
import { createLogger } from "../core/logger.js";
import { checkGpuParity, gpuInstaller } from "../app/commands.composition.js";
import type { GpuInstallReport } from "../gpu/gpu.install.js";
import { defaultWheelCache } from "../gpu/gpu.paths.js";
import { describeMissing } from "../gpu/gpu.runtime.js";

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function installer(opts: { wheels?: string; python?: string }, quiet: boolean) {
  const config = loadConfig();
  return gpuInstaller({
    gpuDir: config.gpuDir,
    wheelCache: path.resolve(opts.wheels ?? defaultWheelCache()),
    python: opts.python ?? "python3",
    log: (line) => process.stderr.write(`gpu: ${line}\n`),
    pipOutput: !quiet && process.stderr.isTTY ? "inherit" : "quiet",
  });
}

function printInstall(r: GpuInstallReport) {
  const out = process.stdout;
  out.write(
    `${r.status}: onnxruntime-gpu ${r.onnxruntime} provider (CUDA ${r.cuda}) for onnxruntime-node ${r.onnxruntime} in ${r.seconds} s\n`,
  );
  for (const w of r.wheels) out.write(`  wheel     ${w.name} ${w.version}  ${MB(w.bytes)}${w.cached ? "  (cached)" : ""}\n`);
  for (const p of r.providers) out.write(`  provider  ${path.join(r.providerDir, p.file)}  ${MB(p.bytes)}\n`);
  out.write(`  cuda libs ${r.libDir}  ${r.libs.length} files, ${MB(r.libs.reduce((s, f) => s + f.bytes, 0))}\n`);
  if (r.lddMissing === null) out.write("  ldd       not available: could not check the provider's libraries\n");
  else if (r.lddMissing.length === 0) out.write("  ldd       every library of the CUDA provider is found\n");
  else out.write(`  ldd       ${r.lddMissing.map(describeMissing).join(", ")}\n`);
  out.write("Set MEDCAP_PROVIDERS=cuda,cpu to use it; `medcap info` says whether CUDA loads.\n");
}

export function registerGpuCommands(program: Command) {
  const gpu = program
    .command("gpu")
    .description("the CUDA execution provider: install it from PyPI (pip), remove it, check GPU vs CPU embeddings");

  gpu
    .command("install")
    .description(
      "download (pip, hash-pinned: apps/api/gpu/requirements-cuda13.txt) onnxruntime-gpu of onnxruntime-node's exact version and NVIDIA's CUDA 13 + cuDNN 9 wheels; " +
        "put the provider libraries beside onnxruntime-node's libonnxruntime.so.1 and the CUDA libraries in <MEDCAP_GPU_DIR>/cuda13/lib (default <MEDCAP_DATA_DIR>/gpu). Idempotent.",
    )
    .option("--wheels <dir>", "wheel cache folder (default ~/.cache/medcap/wheels; a warm cache needs no network)")
    .option("--python <bin>", "the Python whose pip downloads (any version: the wheels are fetched for a fixed platform tag)", "python3")
    .option("--json", "print the report as JSON")
    .action(async (opts: { wheels?: string; python?: string; json?: boolean }) => {
      const report = await installer(opts, Boolean(opts.json)).install();
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else printInstall(report);
    });

  gpu
    .command("remove")
    .description("remove the provider libraries from onnxruntime-node and <MEDCAP_GPU_DIR>/cuda13 (the wheel cache stays)")
    .action(async () => {
      const { removed } = await installer({}, true).remove();
      process.stdout.write(removed.length ? `removed ${removed.join(", ")}\n` : "nothing to remove\n");
    });

  gpu
    .command("parity")
    .description(
      "encode the model's parity fixtures with MEDCAP_PROVIDERS and with CPU alone; every cosine (vs CPU and vs parity.json) must reach --min-cosine",
    )
    .option("--model <folder>", "model folder (default MEDCAP_MODEL_DIR or the committed model)")
    .option("--min-cosine <x>", "the bound", "0.999")
    .option("--require-provider <name>", "fail unless the sessions run on this provider (e.g. cuda)")
    .option("--json", "print the report as JSON")
    .action(async (opts: { model?: string; minCosine: string; requireProvider?: string; json?: boolean }) => {
      const config = loadConfig();
      const min = Number(opts.minCosine);
      if (!(min > 0 && min <= 1)) throw new MedcapError("BAD_USER_INPUT", `--min-cosine must be in (0, 1], got ${opts.minCosine}`);
      const logger = createLogger(config.logLevel);
      const report = await checkGpuParity(path.resolve(opts.model ?? config.modelDir), config, logger, min);
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        process.stdout.write(`${report.model} on ${report.provider}: ${report.items.length} embeddings\n`);
        process.stdout.write(
          `  worst cosine vs cpu ${report.worstVsCpu.toFixed(6)}, vs parity.json ${report.worstVsReference.toFixed(6)} (bound ${min})\n`,
        );
      }
      if (opts.requireProvider && report.provider !== opts.requireProvider.toLowerCase()) {
        const why = Object.entries(report.unavailableProviders)
          .map(([p, r]) => `${p}: ${r}`)
          .join("; ");
        throw new MedcapError(
          "SERVICE_UNAVAILABLE",
          `sessions run on ${report.provider}, not ${opts.requireProvider}${why ? ` (${why})` : ""}`,
        );
      }
      if (!report.ok)
        throw new MedcapError(
          "MODEL_MISMATCH",
          `parity below ${min}: worst ${Math.min(report.worstVsCpu, report.worstVsReference).toFixed(6)}`,
        );
    });
}
