#!/usr/bin/env bash
# Issue #16 step 3, on a machine with an NVIDIA GPU: install the CUDA provider from PyPI, prove CUDA is
# the active provider, check GPU vs CPU embeddings on the parity fixtures, and measure GPU and CPU side
# by side with `medcap bench`. Run from a checkout after `npm ci`:
#
#   scripts/gpu-check.sh                 # results in $OUT (if set) or ./gpu-check-out
#
# Needs: pip and PyPI (or a wheel cache already holding the pinned wheels: MEDCAP_GPU_WHEELS, default
# ~/.cache/medcap/wheels), an NVIDIA driver for CUDA 13 (580+), MedPix 2.0 for the benchmark
# (MEDPIX_DIR, default ../shared/data/medpix-2.0). Exit status: 0 all passed; 3 CUDA is not active
# (the reason is printed: on a machine without a GPU, "cuda: libcuda.so.1 not found (no NVIDIA driver)");
# 4 parity below 0.999; other non-zero: a step failed (its log is in the output folder).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
out="${OUT:-$repo/gpu-check-out}"
mkdir -p "$out"
export NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1 MEDCAP_LOG_LEVEL="${MEDCAP_LOG_LEVEL:-warn}"
# The CUDA libraries persist in the repository's (ignored) data folder; the catalogue is a throwaway.
export MEDCAP_GPU_DIR="${MEDCAP_GPU_DIR:-$repo/.medcap/gpu}"
data="$(mktemp -d "${TMPDIR:-/tmp}/medcap-gpu-check-XXXXXX")"
chmod 755 "$data" # the embedded PostgreSQL runs as the postgres user when this runs as root
export MEDCAP_DATA_DIR="$data"
trap 'rm -rf "$data"' EXIT
medcap() { node "$repo/apps/api/bin/medcap.mjs" "$@"; }
step() { printf '\n== %s\n' "$*" | tee -a "$out/steps.log" >&2; }
json() { node -e 'const v=JSON.parse(require("fs").readFileSync(0,"utf8"));const f=new Function("v","return ("+process.argv[1]+")");const r=f(v);console.log(typeof r==="string"?r:JSON.stringify(r))' "$1"; }

step "machine"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "node: $(node --version)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) cores)"
  if command -v nvidia-smi >/dev/null 2>&1; then
    echo "gpu: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)"
  else
    echo "gpu: none (no nvidia-smi)"
  fi
} | tee "$out/machine.txt" >&2

step "medcap gpu install"
medcap gpu install --json ${MEDCAP_GPU_WHEELS:+--wheels "$MEDCAP_GPU_WHEELS"} >"$out/install.json" 2> >(tee "$out/install.log" >&2)
json '`${v.status}: onnxruntime-gpu ${v.onnxruntime} (CUDA ${v.cuda}); ldd misses [${v.lddMissing}]`' <"$out/install.json" >&2

step "medcap info with MEDCAP_PROVIDERS=cuda,cpu"
MEDCAP_PROVIDERS=cuda,cpu medcap info --json >"$out/info.json" 2>"$out/info.log"
provider="$(json 'v.provider' <"$out/info.json")"
json 'v.providers.providers.map(p => `${p.name}: ${p.status}${p.reason ? " (" + p.reason + ")" : ""}`).join("\n")' <"$out/info.json" >&2
if [ "$provider" != "cuda" ]; then
  echo "gpu-check: CUDA not active: sessions run on $provider ($(json 'v.providers.fallbackReason ?? "no reason recorded"' <"$out/info.json"))" | tee -a "$out/steps.log" >&2
  exit 3
fi

step "GPU vs CPU embeddings on the parity fixtures (cosine >= 0.999)"
set +e
MEDCAP_PROVIDERS=cuda,cpu medcap gpu parity --require-provider cuda --min-cosine 0.999 --json >"$out/parity.json" 2>"$out/parity.log"
parity_status=$?
set -e
[ -s "$out/parity.json" ] && json '`${v.model} on ${v.provider}: worst cosine vs cpu ${v.worstVsCpu.toFixed(6)}, vs parity.json ${v.worstVsReference.toFixed(6)}`' <"$out/parity.json" >&2
if [ "$parity_status" -ne 0 ]; then
  cat "$out/parity.log" >&2
  exit 4
fi

step "catalogue for the benchmark: import MedPix 2.0 and index it on the GPU"
medpix="${MEDPIX_DIR:-$(cd "$repo/.." && pwd)/shared/data/medpix-2.0}"
[ -d "$medpix" ] || { echo "gpu-check: no MedPix 2.0 at $medpix (set MEDPIX_DIR)" >&2; exit 5; }
medcap import medpix "$medpix" >"$out/import.log" 2>&1
MEDCAP_PROVIDERS=cuda,cpu medcap index --json >"$out/index-cuda.json" 2>>"$out/import.log"

# The same benchmark on both providers, in one run of this script: the ratios are the claim.
bench_args=(bench --json --image-batches 32,256 --concurrency 8 --requests 200 --sizes 1000 --queries 10)
step "medcap bench on cuda"
MEDCAP_PROVIDERS=cuda,cpu medcap "${bench_args[@]}" >"$out/bench-cuda.json" 2>"$out/bench-cuda.log"
step "medcap bench on cpu"
MEDCAP_PROVIDERS=cpu medcap "${bench_args[@]}" >"$out/bench-cpu.json" 2>"$out/bench-cpu.log"

step "summary"
node - "$out" <<'EOF' | tee "$out/summary.md"
const fs = require("node:fs");
const dir = process.argv[2];
const read = (f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8"));
const [gpu, cpu, parity] = [read("bench-cuda.json"), read("bench-cpu.json"), read("parity.json")];
const gpuName = (fs.readFileSync(`${dir}/machine.txt`, "utf8").match(/^gpu: (.*)$/m) || [])[1];
const rows = [
  ["image encode, batch 1, end to end (ms, p50)", (b) => b.imageEncoding.batch1.endToEndMs.p50, "lower"],
  ["image encode, batch 1, ONNX only (ms, p50)", (b) => b.imageEncoding.batch1.onnxOnlyMs.p50, "lower"],
  ["image encode, batch 32 (images/s, ONNX only)", (b) => b.imageEncoding.throughput.batch32.onnxOnlyImagesPerSecond, "higher"],
  ["image encode, batch 256 (images/s, ONNX only)", (b) => b.imageEncoding.throughput.batch256.onnxOnlyImagesPerSecond, "higher"],
  ["image encode, batch 256 (images/s, with decode)", (b) => b.imageEncoding.throughput.batch256.imagesPerSecond, "higher"],
  ["text encode, batch 1 (ms, p50)", (b) => b.textEncoding.batch1Ms.p50 ?? b.textEncoding.batch1Ms, "lower"],
  ["text encode, batch 32 (texts/s)", (b) => b.textEncoding.batch32TextsPerSecond, "higher"],
  ["HTTP captionImage, concurrency 8 (req/s)", (b) => b.http.captionImage.concurrency8.requestsPerSecond, "higher"],
  ["HTTP captionImage, concurrency 8 (ms, p50)", (b) => b.http.captionImage.concurrency8.p50, "lower"],
];
const lines = [
  `GPU: ${gpuName}; CPU: ${cpu.machine.cpu} (${cpu.machine.cores} cores); ${gpu.machine.model}; ${new Date().toISOString().slice(0, 10)}`,
  `Parity (${parity.items.length} embeddings): worst cosine GPU vs CPU ${parity.worstVsCpu.toFixed(6)}, vs parity.json ${parity.worstVsReference.toFixed(6)}`,
  "",
  "| measure | cuda | cpu | cuda vs cpu |",
  "| --- | ---: | ---: | ---: |",
];
for (const [label, get, better] of rows) {
  const [g, c] = [get(gpu), get(cpu)];
  const ratio = better === "higher" ? g / c : c / g;
  lines.push(`| ${label} | ${g} | ${c} | ${Number.isFinite(ratio) ? `${ratio.toFixed(1)}× faster` : "n/a"} |`);
}
console.log(lines.join("\n"));
EOF
