#!/usr/bin/env bash
# make run: sets up everything on a fresh machine and runs `outdial dev`:
# a private PostgreSQL in .data, the Temporal dev server (SQLite in .data, Web
# UI on :8233), the migrations, the API on :8080 and the worker. Ctrl-C stops
# all of it; the next run reuses the data. A port already taken is named
# before anything starts, with the setting that moves it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/tools.sh
port=${OUTDIAL_PG_PORT:-55432}
PG_PORT_SETTING=OUTDIAL_PG_PORT scripts/postgres.sh start run "$port" >/dev/null
trap 'scripts/postgres.sh stop run' EXIT
go build -o .bin/outdial ./cmd/outdial
export OUTDIAL_DATABASE_URL=${OUTDIAL_DATABASE_URL:-postgres://outdial@127.0.0.1:$port/outdial?sslmode=disable}
args=(dev --data-dir .data)
[[ "${DEMO:-}" == 1 ]] && args+=(--demo)
.bin/outdial "${args[@]}" "$@"
