#!/usr/bin/env bash
# Benchmark regression check: `asv continuous` between a base commit and
# HEAD in fresh virtualenvs (asv.conf.json), failing (exit 1) when a
# benchmark got more than 10% worse (--factor 1.1) with statistical
# significance.
#   bash ci/asv_compare.sh                   # main (or origin/main) vs HEAD
#   bash ci/asv_compare.sh v0.1.0 HEAD
#   ASV_BENCH='EnetPath' bash ci/asv_compare.sh   # only benchmarks matching
#   ASV_QUICK=1 bash ci/asv_compare.sh       # each benchmark once: a smoke test
# Needs git history of both commits (actions/checkout with fetch-depth: 0).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
base=${1:-main}
head=${2:-HEAD}
if ! git rev-parse --verify --quiet "$base^{commit}" > /dev/null; then
  base="origin/$base"
fi
"$python" -m pip install --quiet --disable-pip-version-check "asv>=0.6" virtualenv
"$python" -m asv machine --yes > /dev/null
args=(--factor 1.1 --split --show-stderr)
[ -n "${ASV_BENCH:-}" ] && args+=(--bench "$ASV_BENCH")
[ -n "${ASV_QUICK:-}" ] && args+=(--quick)
echo "== asv continuous ${args[*]} $base $head"
"$python" -m asv continuous "${args[@]}" "$base" "$head"
