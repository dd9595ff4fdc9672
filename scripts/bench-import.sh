#!/usr/bin/env bash
# make bench-import: imports a generated million-row list as CSV and as xlsx
# through the real pipeline and prints rows/s and peak RSS beside limits
# measured in the same run (see scripts/benchimport). ROWS=N for fewer rows.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bench_services bench 55434 7255
go build -o .bin/outdial ./cmd/outdial
go build -o .bin/benchimport ./scripts/benchimport
OUTDIAL_DATABASE_URL="$bench_db" OUTDIAL_TEMPORAL_ADDRESS=127.0.0.1:7255 \
  .bin/benchimport --rows "${ROWS:-1000000}" --outdial .bin/outdial --dir .data/bench
