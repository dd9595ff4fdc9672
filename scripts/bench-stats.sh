#!/usr/bin/env bash
# make bench-stats: fills a fresh database with a campaign whose list holds
# a million contacts (ROWS=N for another number) and their attempts, then
# times its statistics as the API reads them (see scripts/benchstats).
# PGPORT moves its PostgreSQL cluster (default 55436).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
trap "scripts/postgres.sh stop benchstats" EXIT
db=$(fresh_db benchstats "${PGPORT:-55436}" outdial_benchstats)
go run ./scripts/benchstats --database-url "$db" --rows "${ROWS:-1000000}"
