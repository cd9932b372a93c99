#!/usr/bin/env bash
# Side-by-side load measurement of this checkout against an earlier commit (issue #29):
#
#   scripts/speed-compare.sh <baseline-git-ref> [seconds-per-round] [rounds]
#
# 1. checks the baseline out as a git worktree under the work folder (MEDCAP_SPEED_DIR, default
#    $TMPDIR/medcap-speed), with this checkout's node_modules hard-linked when the lock files match
#    (npm ci otherwise);
# 2. once, imports MedPix (MEDPIX_DIR, default ../shared/data/medpix-2.0) into a seed data folder
#    with the baseline's CLI, indexes it and creates a viewer key;
# 3. gives each server a fresh copy of that data folder and starts both on loopback ports with
#    the rate limit off (`medcap serve`, the API that `npm start` runs);
# 4. runs scripts/speed-load.mjs: captionImage (base64 PNG) and searchImages at concurrency 8 with
#    distinct inputs, alternating between the two servers every SLICE (default 5) seconds, and
#    prints ok req/s, errors, p50/p99 and the ratios to the baseline.
# Figures are only comparable within one run: the rounds interleave so that other load on the
# machine hits both servers alike.
set -euo pipefail

ref=${1:?usage: scripts/speed-compare.sh <baseline-git-ref> [seconds-per-round] [rounds]}
seconds=${2:-20}
rounds=${3:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${MEDCAP_SPEED_DIR:-${TMPDIR:-/tmp}/medcap-speed}
medpix=${MEDPIX_DIR:-$root/../shared/data/medpix-2.0}
concurrency=${CONCURRENCY:-8}
slice=${SLICE:-5}
mkdir -p "$work"
export ONNXRUNTIME_NODE_INSTALL=skip NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1

sha=$(git -C "$root" rev-parse --verify "$ref^{commit}")
base="$work/baseline"
if [ ! -e "$base/.git" ]; then
  git -C "$root" worktree add --detach "$base" "$sha" >&2
else
  git -C "$base" checkout --detach -q "$sha"
fi
echo "baseline: $(git -C "$base" log -1 --format='%h %s' | cut -c1-100)" >&2
echo "head:     $(git -C "$root" log -1 --format='%h %s' | cut -c1-100)$(git -C "$root" diff --quiet HEAD || echo ' (+ uncommitted changes)')" >&2

if [ ! -d "$base/node_modules" ]; then
  if cmp -s "$root/package-lock.json" "$base/package-lock.json"; then
    # Same lock file: the same packages; hard links make the copy instant and take no space.
    for d in node_modules apps/api/node_modules apps/admin/node_modules prisma/node_modules models/node_modules test/node_modules; do
      if [ -d "$root/$d" ]; then cp -al "$root/$d" "$base/$d"; fi
    done
  else
    (cd "$base" && npm ci --no-audit --no-fund >&2)
  fi
fi
if [ ! -d "$base/prisma/generated" ]; then (cd "$base" && npm run generate -w prisma >&2); fi

cli() { # <checkout> <data folder> args…
  local dir=$1 data=$2
  shift 2
  (cd "$dir" && MEDCAP_DATA_DIR="$data" MEDCAP_LOG_LEVEL=warn node apps/api/bin/medcap.mjs "$@")
}

seed="$work/seed"
if [ ! -f "$seed/speed-key.json" ]; then
  echo "seeding $seed: import MedPix from $medpix, index, create a key (once)" >&2
  rm -rf "$seed"
  cli "$base" "$seed" import medpix "$medpix" >&2
  cli "$base" "$seed" index --activate >&2
  cli "$base" "$seed" keys create --role viewer --label speed-compare --json >"$seed/speed-key.json.tmp"
  mv "$seed/speed-key.json.tmp" "$seed/speed-key.json"
fi
secret=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).secret)' "$seed/speed-key.json")

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'; }

pids=()
stop_servers() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_servers EXIT

# Not in a $(…) subshell: the pid must reach `pids` in this shell, or the EXIT trap stops nothing and
# both servers (and their embedded PostgreSQL) outlive the script.
start_server() { # <name> <checkout> → sets server_url
  local name=$1 dir=$2 data="$work/data-$1" port
  rm -rf "$data"
  cp -a "$seed" "$data"
  rm -f "$data"/*.lock "$data"/serve.lock 2>/dev/null || true
  port=$(free_port)
  (cd "$dir" && MEDCAP_DATA_DIR="$data" MEDCAP_RATE_LIMIT_PER_MIN=0 MEDCAP_LOG_LEVEL=warn exec node apps/api/bin/medcap.mjs serve --port "$port" --host 127.0.0.1) \
    >"$work/$name.log" 2>&1 &
  pids+=($!)
  server_url="http://127.0.0.1:$port"
}

start_server baseline "$base"
base_url=$server_url
start_server head "$root"
head_url=$server_url
for url in "$base_url" "$head_url"; do
  for _ in $(seq 1 600); do
    if curl -sf "$url/readyz" >/dev/null 2>&1; then break; fi
    sleep 1
  done
  curl -sf "$url/readyz" >/dev/null || { echo "server at $url never became ready (logs in $work)" >&2; exit 1; }
done
echo "servers ready: baseline $base_url, head $head_url; $rounds rounds × ${seconds} s, concurrency $concurrency" >&2

node "$root/scripts/speed-load.mjs" --secret "$secret" --medpix "$medpix" --seconds "$seconds" --rounds "$rounds" \
  --concurrency "$concurrency" --slice "$slice" "baseline=$base_url/graphql" "head=$head_url/graphql"
