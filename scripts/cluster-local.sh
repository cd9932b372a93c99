#!/usr/bin/env bash
# The scale-out shape on this machine (issue #28, docs/scale-out.md), from the Qdrant binary provided
# beside the repository (or MEDCAP_QDRANT_BIN): three Qdrant peers in distributed mode, one
# PostgreSQL, two `medcap serve` replicas on loopback ports; all stopped on exit.
#
#   scripts/cluster-local.sh [--no-import] [--for <seconds>]   # see apps/api/test/cluster.local.ts
#   scripts/cluster-local.sh --chaos [seconds]                 # a peer SIGKILLed under load (default 60 s)
# The 1-node vs 3-peer side-by-side measurement is scripts/bench-scale-out.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/apps/api"
if [ "${1:-}" = "--chaos" ]; then
  # Both cluster suites with a longer load: two replicas' stores (apps/api/test/qdrant.cluster.spec.ts),
  # then two `medcap serve` replicas over one Postgres (test/api/qdrant.cluster.e2e.spec.ts), each
  # searching and writing while a Qdrant peer is killed with SIGKILL and brought back, then a full check.
  export MEDCAP_CHAOS_SECONDS="${2:-60}"
  npx vitest run test/qdrant.cluster.spec.ts
  cd "$root/test" && exec npx vitest run api/qdrant.cluster.e2e.spec.ts
fi
exec npx tsx test/cluster.local.ts "$@"
