#!/usr/bin/env bash
# Runs the ablation configs one after another (each a full training + dev eval).
# Usage: bash scripts/ablation.sh config1.json config2.json ...   (from models/toolkit)
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
for cfg in "$@"; do
  name=$(basename "$cfg" .json)
  echo "== $name $(date -u +%H:%M:%S)"
  $py -m medcap_toolkit train --config "$cfg" --out "runs/$name" && \
  $py -m medcap_toolkit eval --checkpoint "runs/$name/best.pt" --split dev --no-meteor --out "runs/$name/dev.json" > /dev/null
  echo "== done $name $(date -u +%H:%M:%S)"
done
