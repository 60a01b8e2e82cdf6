#!/usr/bin/env bash
# The README's Development lines, run exactly as written, in a fresh copy of
# the checkout's tracked files (a fresh clone, uncommitted edits included)
# with no virtualenv active: a contributor's first steps must work.
#   bash ci/dev_check.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/fastreg-dev.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$SECONDS

mkdir "$work/src"
(cd "$root" && git ls-files -z | tar --null -cf - -T -) | tar -C "$work/src" -xf -
# the first ```bash block after "## Development"
"$python" - "$root/README.md" > "$work/dev.sh" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
section = text.split("\n## Development\n", 1)[1]
print(re.search(r"^```bash\n(.*?)^```", section, re.M | re.S).group(1))
PY
echo "== the README's Development lines, in a fresh copy of the checkout"
sed 's/^/   /' "$work/dev.sh"
(cd "$work/src" && env -u VIRTUAL_ENV PATH="$(dirname "$(command -v "$python")"):/usr/bin:/bin" \
   bash -euo pipefail "$work/dev.sh") > "$work/dev.log" 2>&1 \
  || { if grep -q '^=* FAILURES =*$' "$work/dev.log"; then
         { sed -n '/^=* FAILURES =*$/,$p' "$work/dev.log" | head -n 150; } || true
         echo "   ..."
       fi
       tail -n 80 "$work/dev.log"; echo "ci/dev_check.sh: FAILED"; exit 1; }
grep -E "[0-9]+ passed" "$work/dev.log" | tail -n 1 | sed 's/^/   pytest: /'
tail -n 3 "$work/dev.log" | sed 's/^/   /'
echo "== ci/dev_check.sh done in $((SECONDS - start)) s"
