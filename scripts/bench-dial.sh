#!/usr/bin/env bash
# make bench-dial: a progressive campaign on the simulator against the bare
# Temporal limit, then at half load (see scripts/benchdial). CONTACTS=N and
# AGENTS=N change its size.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
scripts/tools.sh
mkdir -p .data/benchdial
temporal_pid=
cleanup() {
  [[ -n "$temporal_pid" ]] && kill "$temporal_pid" 2>/dev/null && wait "$temporal_pid" 2>/dev/null
  scripts/postgres.sh stop benchdial
}
trap cleanup EXIT
db=$(fresh_db benchdial 55435 outdial_benchdial)
start_temporal 7266 .data/benchdial/temporal.log
go build -o .bin/benchdial ./scripts/benchdial
OUTDIAL_DATABASE_URL="$db" OUTDIAL_TEMPORAL_ADDRESS=127.0.0.1:7266 \
  .bin/benchdial --contacts "${CONTACTS:-20000}" --agents "${AGENTS:-20}"
