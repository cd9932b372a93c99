#!/usr/bin/env bash
# Qdrant beside the embedded store at scale (README "Qdrant at scale"): starts the Qdrant binary
# provided beside the repository (or MEDCAP_QDRANT_BIN) on a free loopback port with a temporary
# storage folder, runs `medcap bench --qdrant-only --json` against it, stops it. Extra arguments go
# to medcap bench, e.g. --qdrant-sizes 100000 --qdrant-queries 30. JSON on stdout, progress on stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${MEDCAP_QDRANT_BIN:-$root/../shared/tools/qdrant/qdrant}
[ -x "$bin" ] || { echo "no Qdrant binary at $bin (set MEDCAP_QDRANT_BIN)" >&2; exit 2; }
storage=$(mktemp -d "${TMPDIR:-/tmp}/medcap-qdrant-bench-XXXXXX")
# A free port whose successor (gRPC) is free too.
port=$(node -e '
const net = require("node:net");
const free = (p) => new Promise((r) => { const s = net.createServer(); s.once("error", () => r(false)); s.listen(p, "127.0.0.1", () => s.close(() => r(true))); });
(async () => { for (;;) { const s = net.createServer(); await new Promise((r) => s.listen(0, "127.0.0.1", r)); const p = s.address().port; await new Promise((r) => s.close(r)); if (p < 65535 && await free(p + 1)) { console.log(p); return; } } })();')
(
  cd "$storage"
  export QDRANT__SERVICE__HOST=127.0.0.1 QDRANT__SERVICE__HTTP_PORT="$port" QDRANT__SERVICE__GRPC_PORT=$((port + 1))
  export QDRANT__STORAGE__STORAGE_PATH="$storage/storage" QDRANT__STORAGE__SNAPSHOTS_PATH="$storage/snapshots"
  export QDRANT__TELEMETRY_DISABLED=true QDRANT__LOG_LEVEL=WARN
  exec "$bin"
) >"$storage/qdrant.log" 2>&1 &
qpid=$!
trap 'kill -TERM $qpid 2>/dev/null; wait $qpid 2>/dev/null; rm -rf "$storage"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "bench-qdrant: Qdrant $("$bin" --version 2>/dev/null | head -1) at http://127.0.0.1:$port (pid $qpid)" >&2
cd "$root/apps/api"
MEDCAP_VECTOR_STORE=embedded QDRANT_URL="http://127.0.0.1:$port" MEDCAP_LOG_LEVEL=warn \
  node bin/medcap.mjs bench --qdrant-only --json --qdrant-pid "$qpid" "$@"
