#!/usr/bin/env bash
# Reproduces models/medcap-base-v1 from a fresh clone: train (≤ 60 min on 2 CPU cores), pick the
# checkpoint on dev, export + quantise, evaluate the exported ONNX on dev, write card and manifest.
# Usage (repo root): bash models/toolkit/scripts/reproduce_default.sh   [MEDPIX_DIR=... to override data]
set -euo pipefail
toolkit="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$toolkit"
[ -x .venv/bin/python ] || bash install.sh
# The committed model was trained with one torch thread; float reductions differ with the thread
# count, so other counts give a slightly different (not worse) model. One thread reproduces it exactly.
export MEDCAP_THREADS="${MEDCAP_THREADS:-1}"
config="${CONFIG:-configs/base.json}"
name="$(basename "$config" .json)"
.venv/bin/python -m medcap_toolkit train --config "$config" --out "runs/$name"
ablation=()
[ -f results/ablation.json ] && ablation=(--ablation results/ablation.json)
.venv/bin/python -m medcap_toolkit export --checkpoint "runs/$name/best.pt" --out ../medcap-base-v1 --quantize int8-weights "${ablation[@]}"
