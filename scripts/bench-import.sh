#!/usr/bin/env bash
# make bench-import: imports a generated million-row list as CSV and as xlsx
# through the real pipeline and prints rows/s and peak RSS beside limits
# measured in the same run (see scripts/benchimport). ROWS=N for fewer rows.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
scripts/tools.sh
mkdir -p .data/bench
temporal_pid=
cleanup() {
  [[ -n "$temporal_pid" ]] && kill "$temporal_pid" 2>/dev/null && wait "$temporal_pid" 2>/dev/null
  scripts/postgres.sh stop bench
}
trap cleanup EXIT
db=$(fresh_db bench 55434 outdial_bench)
start_temporal 7255 .data/bench/temporal.log
go build -o .bin/outdial ./cmd/outdial
go build -o .bin/benchimport ./scripts/benchimport
OUTDIAL_DATABASE_URL="$db" OUTDIAL_TEMPORAL_ADDRESS=127.0.0.1:7255 \
  .bin/benchimport --rows "${ROWS:-1000000}" --outdial .bin/outdial --dir .data/bench
