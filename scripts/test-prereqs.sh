#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, once; fast when everything is present.
#  - Debian's Chromium for the admin browser tests (Playwright drives it; never `playwright install`)
#  - the Python toolkit environment (Debian torch + a pinned venv) for models/ tests
#  - pycocoevalcap (+ the JDK it uses) for the metric cross-check
#  - pip, which `medcap gpu install` downloads the CUDA provider wheels with (no GPU needed)
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
# pip downloads the GPU provider wheels in apps/api/test/gpu.install.spec.ts (`medcap gpu install`).
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${need_apt[*]} (install them with apt-get, or run the tests as root once)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
[ -x models/toolkit/install.sh ] || [ -f models/toolkit/install.sh ] && bash models/toolkit/install.sh
[ -f models/toolkit/reference/install.sh ] && bash models/toolkit/reference/install.sh
exit 0
