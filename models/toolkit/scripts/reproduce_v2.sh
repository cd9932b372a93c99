#!/usr/bin/env bash
# Reproduces models/medcap-base-v2 from a fresh clone: frozen-feature caches (EfficientNet-Lite trunks
# through onnxruntime, MiniLM sentence vectors), the case-grouped 5-fold CV grid over train+dev
# (→ results/cv_v2.json), final training of the selected setting on train+dev, export + card.
# Usage (repo root): bash models/toolkit/scripts/reproduce_v2.sh   [MEDPIX_DIR=... to override data]
set -euo pipefail
toolkit="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$toolkit"
[ -x .venv/bin/python ] || bash install.sh
# one torch thread reproduces the committed numbers exactly (float reductions depend on the count)
export MEDCAP_THREADS="${MEDCAP_THREADS:-1}"
.venv/bin/python -m medcap_toolkit cv --grid configs/cv_v2.json --out results/cv_v2.json
.venv/bin/python -m medcap_toolkit final --cv results/cv_v2.json --run runs/medcap-base-v2 --out ../medcap-base-v2
