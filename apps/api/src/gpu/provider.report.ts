// What `medcap info` and /readyz say about execution providers: which one runs, and for each that
// cannot load, why (the first missing library, or the driver).
import { cudaUnavailableReason, nvidiaDriverVersion } from "./gpu.runtime.js";

export interface ProviderStatus {
  name: string;
  /** active: sessions run on it; unavailable: tried, or checked, and cannot load; available: its libraries are all found; not tried: an earlier one loaded. */
  status: "active" | "unavailable" | "available" | "not tried";
  reason?: string;
}

export interface ProviderReport {
  active: string;
  /** Why the active provider is not the first one asked for, e.g. "cuda: libcuda.so.1 not found (no NVIDIA driver)". */
  fallbackReason?: string;
  providers: ProviderStatus[];
  nvidiaDriver?: string;
}

/** From the encoders' own outcome (active + failed) plus a static check of cuda when it was not tried. */
export function providerReport(
  requested: readonly string[],
  encoder: { provider: string; unavailableProviders: Record<string, string> },
  gpuDir: string,
): ProviderReport {
  const names = [...new Set([...requested.map((p) => p.trim().toLowerCase()).filter(Boolean), "cuda"])];
  const providers = names.map((name): ProviderStatus => {
    if (name === encoder.provider) return { name, status: "active" };
    const failed = encoder.unavailableProviders[name];
    if (failed) return { name, status: "unavailable", reason: failed };
    if (name === "cuda") {
      const reason = cudaUnavailableReason(gpuDir);
      return reason ? { name, status: "unavailable", reason } : { name, status: requested.includes("cuda") ? "not tried" : "available" };
    }
    if (name === "cpu") return { name, status: "available" };
    return { name, status: "not tried" };
  });
  const driver = nvidiaDriverVersion();
  return {
    active: encoder.provider,
    ...(Object.keys(encoder.unavailableProviders).length ? { fallbackReason: fallbackReason(encoder.unavailableProviders) } : {}),
    providers,
    ...(driver ? { nvidiaDriver: driver } : {}),
  };
}

/** "cuda: libcuda.so.1 not found (no NVIDIA driver)"; several joined with "; ". */
export function fallbackReason(unavailable: Record<string, string>): string {
  return Object.entries(unavailable)
    .map(([p, r]) => `${p}: ${r}`)
    .join("; ");
}

/** "cpu" or "cpu (cuda: libcuda.so.1 not found (no NVIDIA driver))", for the readiness detail. */
export function providerSummary(encoder: { provider: string; unavailableProviders: Record<string, string> }): string {
  const why = fallbackReason(encoder.unavailableProviders);
  return why ? `${encoder.provider} (${why})` : encoder.provider;
}
