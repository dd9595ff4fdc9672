#!/usr/bin/env bash
# make bench-export: exports a list of a million contacts (ROWS=N for
# another size) and a list of a tenth as many through a real `outdial api`
# process, and prints rows/s and the API's peak RSS beside the limit that
# makes memory flat, measured in the same run (see scripts/benchexport).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bench_services benchexport 55437 7268
go build -o .bin/outdial ./cmd/outdial
go build -o .bin/benchexport ./scripts/benchexport
OUTDIAL_DATABASE_URL="$bench_db" OUTDIAL_TEMPORAL_ADDRESS=127.0.0.1:7268 \
  .bin/benchexport --rows "${ROWS:-1000000}" --outdial .bin/outdial
