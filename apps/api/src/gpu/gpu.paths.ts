// Where the GPU pieces live. onnxruntime-node's libonnxruntime.so.1 loads its execution-provider
// libraries from its own folder (ORT looks beside itself), so the two provider libraries go there; the
// CUDA user-space libraries (1.8 GB unpacked) go under the data folder (MEDCAP_GPU_DIR, default
// <MEDCAP_DATA_DIR>/gpu), which persists across `npm ci`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../config/config.js";
import { MedcapError } from "../core/errors.js";

/** The CUDA major version onnxruntime-gpu (PyPI) is built against, and so of every NVIDIA wheel. */
export const CUDA_MAJOR = 13;

/** The hash-pinned wheel list (pip requirements format), committed beside the API. */
export const REQUIREMENTS_FILE = path.join(repoRoot, "apps", "api", "gpu", `requirements-cuda${CUDA_MAJOR}.txt`);

/** The provider libraries taken from the onnxruntime-gpu wheel (onnxruntime/capi/). */
export const PROVIDER_LIBS = ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"] as const;

export const CUDA_PROVIDER_LIB = "libonnxruntime_providers_cuda.so";

/** `<gpuDir>/cuda13` (gpuDir: MEDCAP_GPU_DIR, default <MEDCAP_DATA_DIR>/gpu): the install record and, under lib/, the CUDA libraries. */
export function gpuHome(gpuDir: string): string {
  return path.join(gpuDir, `cuda${CUDA_MAJOR}`);
}

export function cudaLibDir(gpuDir: string): string {
  return path.join(gpuHome(gpuDir), "lib");
}

/** Where pip keeps the downloaded wheels: outside the checkout, so reinstalls and CI reruns are offline. */
export function defaultWheelCache(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "medcap", "wheels");
}

const require = createRequire(import.meta.url);

/** onnxruntime-node's package folder and version, read at run time (not from our package.json). */
export function onnxruntimeNode(): { dir: string; version: string } {
  const manifest = require.resolve("onnxruntime-node/package.json");
  const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };
  return { dir: path.dirname(manifest), version };
}

// The folder holding onnxruntime-node's libonnxruntime.so.1 (bin/napi-v<N>/linux/x64).
export function ortBinDir(): string {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new MedcapError(
      "BAD_USER_INPUT",
      `the GPU install supports Linux x64 only (onnxruntime-gpu's CUDA wheel); this is ${process.platform} ${process.arch}`,
    );
  }
  const bin = path.join(onnxruntimeNode().dir, "bin");
  const napi = existsSync(bin) ? readdirSync(bin).filter((d) => d.startsWith("napi-v")) : [];
  for (const dir of napi.sort().reverse()) {
    const candidate = path.join(bin, dir, "linux", "x64");
    if (existsSync(path.join(candidate, "libonnxruntime.so.1"))) return candidate;
  }
  throw new MedcapError("INTERNAL_SERVER_ERROR", `onnxruntime-node has no libonnxruntime.so.1 under ${bin}/napi-v*/linux/x64`);
}

export interface PinnedWheel {
  name: string;
  version: string;
  sha256: string;
}

/** Parses the requirements file: `name==version --hash=sha256:<hex>` lines, comments ignored. */
export function readPinnedWheels(file = REQUIREMENTS_FILE): PinnedWheel[] {
  const wheels: PinnedWheel[] = [];
  for (const raw of readFileSync(file, "utf8").split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) continue;
    const m = /^([A-Za-z0-9._-]+)==(\S+)\s+--hash=sha256:([0-9a-f]{64})$/.exec(line);
    if (!m) throw new MedcapError("INTERNAL_SERVER_ERROR", `${file}: not a hash-pinned requirement: ${line}`);
    wheels.push({ name: m[1]!, version: m[2]!, sha256: m[3]! });
  }
  return wheels;
}

/** A wheel's file name starts with its name (dashes as underscores, any case) and version. */
export function wheelFilePrefix(w: Pick<PinnedWheel, "name" | "version">): string {
  return `${w.name.replace(/[-_.]+/g, "_").toLowerCase()}-${w.version}-`;
}
