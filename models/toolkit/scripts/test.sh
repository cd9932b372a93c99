#!/usr/bin/env bash
# npm test for @medcap/models: the toolkit's pytest suite on a tiny MedPix subset.
# MEDPIX_DIR defaults to ../shared/data/medpix-2.0 relative to the repo root (read-only).
set -euo pipefail
toolkit="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -x "$toolkit/.venv/bin/python" ]; then
  echo "models/toolkit/.venv missing: run 'bash models/toolkit/install.sh' first" >&2
  exit 1
fi
cd "$toolkit"
exec .venv/bin/python -m pytest -q -p no:cacheprovider tests "$@"
