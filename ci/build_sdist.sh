#!/usr/bin/env bash
# Build the sdist into dist/ (contents: MANIFEST.in; no generated C), and
# check that a wheel builds from it.  Test it as installed with
#   bash ci/test_artifact.sh dist/fastreg_paths-*.tar.gz
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
out=${DIST:-dist}
"$python" -m pip install --quiet --disable-pip-version-check build
"$python" -m build --sdist --outdir "$out" .
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fastreg-sdist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$python" -m build --wheel --outdir "$tmp" "$out"/fastreg_paths-*.tar.gz > "$tmp/build.log" 2>&1 \
  || { tail -n 60 "$tmp/build.log"; exit 1; }
echo "sdist: $(ls "$out"/fastreg_paths-*.tar.gz); a wheel builds from it: $(basename "$tmp"/*.whl)"
