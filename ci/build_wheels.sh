#!/usr/bin/env bash
# Build (and test, see [tool.cibuildwheel] in pyproject.toml) the wheels of
# this platform with cibuildwheel.  Linux needs Docker or Podman.
#   bash ci/build_wheels.sh                      # every wheel of this OS
#   CIBW_ARCHS=aarch64 bash ci/build_wheels.sh   # one architecture
#   bash ci/build_wheels.sh --only cp312-manylinux_x86_64
#   bash ci/build_wheels.sh --print-build-identifiers
# Wheels land in wheelhouse/.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
"$python" -m pip install --quiet --disable-pip-version-check "cibuildwheel==4.3.*"
"$python" -m cibuildwheel --output-dir "${WHEELHOUSE:-wheelhouse}" "$@"
