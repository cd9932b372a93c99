#!/usr/bin/env bash
# Reproduces models/medcap-base-v3 from a fresh clone: the case-grouped 5-fold CV of what v3 adds to v2
# (attribute heads, the attribute prior of captioning and similar images, hubness correction, 200-image
# pools → results/cv_v3.json), then `add-heads`: the chosen heads trained on all of train+dev and
# appended to v2's image graph (v2's towers and embeddings unchanged), with manifest, parity and card.
# Usage (repo root): bash models/toolkit/scripts/reproduce_v3.sh   [MEDPIX_DIR=... to override data]
set -euo pipefail
toolkit="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$toolkit"
[ -x .venv/bin/python ] || bash install.sh
export MEDCAP_THREADS="${MEDCAP_THREADS:-1}"
.venv/bin/python -m medcap_toolkit cv-attributes --out results/cv_v3.json
.venv/bin/python -m medcap_toolkit add-heads --cv results/cv_v3.json --base ../medcap-base-v2 --out ../medcap-base-v3
