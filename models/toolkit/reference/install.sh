#!/usr/bin/env bash
# Idempotent installer for the pycocoevalcap reference venv (CI runs it as root).
# Kept apart from the toolkit venv so the metric cross-check never depends on torch.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
if ! command -v java >/dev/null 2>&1; then
  echo "install.sh: java not found; pycocoevalcap's PTB tokenizer and METEOR need a JDK (17 works)" >&2
  exit 1
fi
# Prefer the pyenv/PATH python3 and fall back to Debian's; either is 3.11 here.
py="$(command -v python3 || echo /usr/bin/python3)"
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$here/requirements.txt"
"$venv/bin/python" -c "import pycocoevalcap, numpy; print('medcap reference env: pycocoevalcap ok, numpy', numpy.__version__)"
