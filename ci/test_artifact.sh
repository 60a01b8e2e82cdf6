#!/usr/bin/env bash
# Install one built artifact (a wheel or an sdist) into a fresh virtualenv
# with the [test] extra, and run the test suite against it from a directory
# outside the source tree (pytest --import-mode=importlib, so the checkout's
# fastreg/ can never be imported instead of the installed one).
#   bash ci/test_artifact.sh dist/fastreg_paths-0.1.0-cp311-...whl [pytest args]
#   bash ci/test_artifact.sh dist/fastreg_paths-0.1.0.tar.gz
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
artifact=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
work=$(mktemp -d "${TMPDIR:-/tmp}/fastreg-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== installing $(basename "$artifact") into a fresh virtualenv"
"$python" -m venv "$work/venv"
if [ -x "$work/venv/bin/python" ]; then venv_py="$work/venv/bin/python"
else venv_py="$work/venv/Scripts/python.exe"; fi
"$venv_py" -m pip install --quiet --disable-pip-version-check "$artifact[test]" \
  > "$work/pip.log" 2>&1 || { cat "$work/pip.log"; exit 1; }

echo "== running the tests against the installed package"
cd "$work"
"$venv_py" - "$root" <<'PY'
import os, sys, fastreg
src = os.path.realpath(sys.argv[1])
where = os.path.realpath(fastreg.__file__)
assert not where.startswith(src + os.sep), f"fastreg imported from the source tree: {where}"
print(f"   fastreg {fastreg.__version__} from {os.path.dirname(where)}")
PY
cp -r "$root/tests" "$work/tests"
cp "$root/pyproject.toml" "$root/README.md" "$work/"
OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} "$venv_py" -m pytest --import-mode=importlib \
  -p no:cacheprovider -q "$work/tests" "$@"
