// Making the installed CUDA libraries findable, and saying why a GPU provider cannot load.
//
// libonnxruntime_providers_cuda.so has no RPATH to our lib folder, and LD_LIBRARY_PATH is read once,
// at process start. Instead, before the first CUDA session, every library of the folder is dlopen'ed
// by absolute path with RTLD_GLOBAL | RTLD_NODELETE: the dynamic linker then satisfies the provider's
// DT_NEEDED entries (libcublasLt.so.13, libcudart.so.13, …) and ORT's dlopen("libcudnn.so.9") with
// the already-loaded objects, by soname. Measured on this (GPU-less) machine with onnxruntime-node
// 1.30.0: without it ORT fails on libcublasLt.so.13; with it, as with LD_LIBRARY_PATH set before
// start, it gets as far as the driver's libcuda.so.1. Node's process.dlopen throws "did not
// self-register" for a non-addon and dlcloses it; RTLD_NODELETE keeps it loaded anyway.
//
// ORT reports a provider that cannot load only as "Failed to load shared library" to JavaScript (the
// dlerror text goes to its own stderr log), so the reason is found again with `ldd`.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import path from "node:path";
import { CUDA_PROVIDER_LIB, cudaLibDir, ortBinDir } from "./gpu.paths.js";

/** glibc's RTLD_NODELETE (not in os.constants.dlopen). */
const RTLD_NODELETE = 0x1000;

/** Dependency order: each library's own DT_NEEDED entries are loaded before it. */
export const PRELOAD_ORDER = [
  "libcudart.so.13",
  "libcublasLt.so.13",
  "libcublas.so.13",
  "libcurand.so.10",
  "libcufft.so.12",
  "libnvJitLink.so.13",
  "libnvrtc.so.13",
  "libcudnn_graph.so.9",
  "libcudnn.so.9",
] as const;

const preloaded = new Set<string>();

/** Loads the CUDA libraries of `libDir` into the process (once); returns the ones loaded, and failures. */
export function preloadCudaLibraries(libDir: string): { loaded: string[]; failed: Record<string, string> } {
  const loaded: string[] = [];
  const failed: Record<string, string> = {};
  const flags = constants.dlopen.RTLD_NOW | constants.dlopen.RTLD_GLOBAL | RTLD_NODELETE;
  for (const lib of PRELOAD_ORDER) {
    const file = path.join(libDir, lib);
    if (preloaded.has(file)) {
      loaded.push(lib);
      continue;
    }
    if (!existsSync(file)) continue;
    try {
      process.dlopen({ exports: {} }, file, flags);
    } catch (err) {
      const message = (err as Error).message;
      if (!/did not self-register|Module did not/.test(message)) {
        failed[lib] = message.split("\n")[0]!;
        continue;
      }
    }
    preloaded.add(file);
    loaded.push(lib);
  }
  return { loaded, failed };
}

/** `ldd file` with `libDir` on the search path: the libraries it cannot find (null without ldd). */
export function lddMissing(file: string, libDir?: string): string[] | null {
  const env = { ...process.env };
  if (libDir) env.LD_LIBRARY_PATH = [libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  const out = spawnSync("ldd", [file], { env, encoding: "utf8", timeout: 20_000 });
  if (out.error || out.status !== 0) return null;
  return [...out.stdout.matchAll(/^\s*(\S+) => not found/gm)].map((m) => m[1]!);
}

/** "libcuda.so.1 not found (no NVIDIA driver)", or "<lib> not found". */
export function describeMissing(lib: string): string {
  return lib.startsWith("libcuda.so") ? `${lib} not found (no NVIDIA driver)` : `${lib} not found`;
}

/** The NVIDIA kernel driver's version, when one is loaded (e.g. "580.95.05"). */
export function nvidiaDriverVersion(): string | undefined {
  try {
    return /Kernel Module\s+(?:for \S+\s+)?([0-9.]+)/.exec(readFileSync("/proc/driver/nvidia/version", "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Why the CUDA provider cannot load here, or undefined when every library it needs is found (then
 * only creating a session tells: a driver too old for CUDA 13 fails there).
 */
export function cudaUnavailableReason(gpuDir: string): string | undefined {
  let binDir: string;
  try {
    binDir = ortBinDir();
  } catch (err) {
    return (err as Error).message;
  }
  const provider = path.join(binDir, CUDA_PROVIDER_LIB);
  if (!existsSync(provider)) return `${CUDA_PROVIDER_LIB} not installed (run \`medcap gpu install\`)`;
  const libDir = cudaLibDir(gpuDir);
  const missing = lddMissing(provider, existsSync(libDir) ? libDir : undefined);
  if (missing === null) return undefined;
  // The driver comes first: without it nothing else matters, and it is the one the install cannot bring.
  const first = missing.find((l) => l.startsWith("libcuda.so")) ?? missing[0];
  if (first) return describeMissing(first);
  if (!existsSync(path.join(libDir, "libcudnn.so.9"))) return "libcudnn.so.9 not found (run `medcap gpu install`)";
  return undefined;
}

/** Hooks for OnnxSessionFactory: preload before a CUDA session, explain a failure in one line. */
export function gpuProviderHooks(gpuDir: string) {
  return {
    beforeProvider(provider: string) {
      if (provider === "cuda" || provider === "tensorrt") {
        const libDir = cudaLibDir(gpuDir);
        if (existsSync(libDir)) preloadCudaLibraries(libDir);
      }
    },
    explainFailure(provider: string, message: string): string {
      if (provider !== "cuda") return message;
      const reason = cudaUnavailableReason(gpuDir);
      return reason ?? message;
    },
  };
}
