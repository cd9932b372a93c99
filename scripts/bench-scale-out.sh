#!/usr/bin/env bash
# Issue #28's side-by-side (docs/scale-out.md): one Qdrant node and a three-peer cluster started from
# the binary provided beside the repository (or MEDCAP_QDRANT_BIN), the same synthetic workload run
# against each in this one invocation, everything stopped at the end. JSON on stdout, progress on stderr.
#
#   scripts/bench-scale-out.sh [--sizes 1000000] [--queries 50] [--indexing-threshold <kb>] [--index-wait <s>]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/apps/api"
# The embedded store holds every vector for the exact ground truth (1 GiB per million 256-d vectors).
export NODE_OPTIONS="${NODE_OPTIONS:-} --max-old-space-size=6144"
exec npx tsx test/bench.scale-out.ts "$@"
