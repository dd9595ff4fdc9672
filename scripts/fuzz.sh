#!/usr/bin/env bash
# make fuzz: runs every fuzz target in the repository (each func Fuzz* in a
# _test.go file, found by grep, so a new one is included) for FUZZTIME each
# (30s by default), one after another, and fails if any finds a crasher.
# go test writes a crasher to its package's testdata/fuzz/FuzzX/: commit it
# with the fix, and every go test (make test) replays it from then on.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fuzztime=${FUZZTIME:-30s}
# Minimising each new input for the default minute would take most of a
# short run.
minimize=${FUZZMINIMIZETIME:-5s}

targets=$(grep -rEo --include='*_test.go' --exclude-dir=.data --exclude-dir=.bin --exclude-dir=.git \
  '^func Fuzz[A-Za-z0-9_]+\(' . | sed -E 's/^(.*):func (Fuzz[A-Za-z0-9_]+)\($/\1 \2/' | sort)
[[ -n "$targets" ]] || { echo "no fuzz targets found"; exit 1; }

failed=()
while read -r file name; do
  pkg=$(dirname "$file")
  echo "--- $name in $pkg for $fuzztime"
  if ! go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize"; then
    failed+=("$name in $pkg")
  fi
done <<<"$targets"

echo "--- $(wc -l <<<"$targets") fuzz targets, ${#failed[@]} failed"
if ((${#failed[@]})); then
  printf '  %s\n' "${failed[@]}"
  echo "each crasher is in its package's testdata/fuzz/; go test -run 'FuzzX/<file>' replays it"
  exit 1
fi
