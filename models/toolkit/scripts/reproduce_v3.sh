#!/usr/bin/env bash
# Reproduces models/medcap-base-v3 from a fresh clone: the case-grouped 5-fold CV of what v3 adds to v2
# (attribute heads, the attribute prior of captioning and similar images, hubness correction, 200-image
# pools → results/cv_v3.json), then `add-heads`: the chosen heads trained on all of train+dev and
# appended to v2's image graph (v2's towers and embeddings unchanged), with manifest, parity and card.
# Last, the int8 image graph of issue #29 is rebuilt and its sha256 compared with the recorded one.
# Usage (repo root): bash models/toolkit/scripts/reproduce_v3.sh   [MEDPIX_DIR=... to override data]
set -euo pipefail
toolkit="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$toolkit"
[ -x .venv/bin/python ] || bash install.sh
export MEDCAP_THREADS="${MEDCAP_THREADS:-1}"
.venv/bin/python -m medcap_toolkit cv-attributes --out results/cv_v3.json
.venv/bin/python -m medcap_toolkit add-heads --cv results/cv_v3.json --base ../medcap-base-v2 --out ../medcap-base-v3
# issue #29: the static int8 image graph. Not shipped (it fails the acceptance check, results/image_q8.md), but
# the command must keep rebuilding it byte for byte: the sha256 recorded in results/image_q8.json.
mkdir -p runs
.venv/bin/python -m medcap_toolkit quantize-image --model-dir ../medcap-base-v3 --out runs/image_encoder.int8.onnx > runs/image_encoder.int8.json
.venv/bin/python - <<'PY'
import json
want = json.load(open("results/image_q8.json"))["graph"]["sha256"]
got = json.load(open("runs/image_encoder.int8.json"))["sha256"]
print(f"int8 image graph sha256 {got}: {'as recorded' if got == want else 'DIFFERS from results/image_q8.json ' + want}")
raise SystemExit(got != want)
PY
