#!/usr/bin/env bash
# make bench-dial: a progressive campaign on the simulator against the bare
# Temporal limit, then at half load (see scripts/benchdial). CONTACTS=N and
# AGENTS=N change its size.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bench_services benchdial 55435 7266
go build -o .bin/benchdial ./scripts/benchdial
OUTDIAL_DATABASE_URL="$bench_db" OUTDIAL_TEMPORAL_ADDRESS=127.0.0.1:7266 \
  .bin/benchdial --contacts "${CONTACTS:-20000}" --agents "${AGENTS:-20}"
