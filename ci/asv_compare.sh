#!/usr/bin/env bash
# Benchmark regression check: `asv continuous` between a base commit and
# HEAD, failing (exit 1) when a benchmark got more than 10% worse
# (--factor 1.1) with statistical significance.
#   bash ci/asv_compare.sh                   # main (or origin/main) vs HEAD
#   bash ci/asv_compare.sh v0.1.0 HEAD
#   ASV_BENCH='EnetPath' bash ci/asv_compare.sh   # only benchmarks matching
#   ASV_QUICK=1 bash ci/asv_compare.sh       # each benchmark once, small data: a smoke test
# What it installs, and where: asv and virtualenv into their own virtualenv
# (.asv/tools, made once), and each commit's fastreg with its dependencies
# into asv's per-commit virtualenvs (.asv/env, see asv.conf.json); nothing
# goes into the Python you run it with.
# Needs git history of both commits (actions/checkout with fetch-depth: 0).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
base=${1:-main}
head=${2:-HEAD}
if ! git rev-parse --verify --quiet "$base^{commit}" > /dev/null; then
  base="origin/$base"
fi
tools=.asv/tools
if [ ! -x "$tools/bin/asv" ]; then
  echo "== installing asv and virtualenv into $tools (their own virtualenv)"
  "$python" -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet --disable-pip-version-check "asv>=0.6" virtualenv
fi
"$tools/bin/asv" machine --yes > /dev/null
args=(--factor 1.1 --split --show-stderr)
[ -n "${ASV_BENCH:-}" ] && args+=(--bench "$ASV_BENCH")
if [ -n "${ASV_QUICK:-}" ]; then
  args+=(--quick)
  export FASTREG_BENCH_SCALE=${FASTREG_BENCH_SCALE:-0.05}
fi
echo "== asv continuous ${args[*]} $base $head (builds both into .asv/env)"
"$tools/bin/asv" continuous "${args[@]}" "$base" "$head"
