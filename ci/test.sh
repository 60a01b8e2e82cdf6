#!/usr/bin/env bash
# Build the wheel, install it into a fresh virtualenv, and run the test suite
# against the installed package from outside the source tree.
#   bash ci/test.sh            # default run (slow tests excluded)
#   bash ci/test.sh -m slow    # extra pytest arguments are passed through
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/fastreg-ci.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== building the wheel"
"$python" -m pip install --quiet --disable-pip-version-check build
"$python" -m build --wheel --outdir "$work/dist" "$root" > "$work/build.log" 2>&1 \
  || { tail -n 60 "$work/build.log"; exit 1; }
wheel=$(ls "$work"/dist/fastreg-*.whl)
echo "   $(basename "$wheel")"

echo "== installing it into a fresh virtualenv"
"$python" -m venv "$work/venv"
venv_py="$work/venv/bin/python"
"$venv_py" -m pip install --quiet --disable-pip-version-check "$wheel[test]"

echo "== running the tests against the installed wheel"
cd "$work"
"$venv_py" - "$root" <<'PY'
import os, sys, fastreg
src = os.path.realpath(sys.argv[1])
where = os.path.realpath(fastreg.__file__)
assert not where.startswith(src + os.sep), f"fastreg imported from the source tree: {where}"
print(f"   fastreg {fastreg.__version__} from {os.path.dirname(where)}")
PY
cp -r "$root/tests" "$work/tests"
cp "$root/pyproject.toml" "$work/pyproject.toml"
OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} "$venv_py" -m pytest --import-mode=importlib \
  -p no:cacheprovider -q "$work/tests" "$@"
