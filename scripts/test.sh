#!/usr/bin/env bash
# make test: the same set-up as make run, then the linters and every test,
# including integration tests against a real PostgreSQL and a real Temporal
# dev server (in memory, for speed). Everything it starts, it stops.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/tools.sh --lint

pgport=${OUTDIAL_TEST_PG_PORT:-55433}
tport=${OUTDIAL_TEST_TEMPORAL_PORT:-7244}
PG_FSYNC=off scripts/postgres.sh start test "$pgport" >/dev/null
temporal_pid=
cleanup() {
  [[ -n "$temporal_pid" ]] && kill "$temporal_pid" 2>/dev/null && wait "$temporal_pid" 2>/dev/null
  scripts/postgres.sh stop test
}
trap cleanup EXIT

# Every test package copies this migrated template into a database of its own.
mkdir -p .data
psql() { scripts/postgres.sh psql test "$pgport" -d postgres -qX "$@"; }
psql -c "DROP DATABASE IF EXISTS outdial_template" -c "CREATE DATABASE outdial_template"
template="postgres://outdial@127.0.0.1:$pgport/outdial_template?sslmode=disable"
go run ./cmd/outdial migrate --database-url "$template" --log-level warn

sa=()
for a in $(go run ./scripts/searchattrs); do sa+=(--search-attribute "$a"); done
.bin/temporal server start-dev --headless --ip 127.0.0.1 --port "$tport" --log-level error "${sa[@]}" \
  >.data/temporal-test.log 2>&1 &
temporal_pid=$!

echo "--- gofmt, go vet, staticcheck"
unformatted=$(gofmt -l $(git ls-files '*.go'; git ls-files --others --exclude-standard '*.go'))
[[ -z "$unformatted" ]] || { echo "gofmt needed: $unformatted"; exit 1; }
go vet ./...
.bin/staticcheck ./...

for _ in $(seq 1 120); do
  (exec 3<>"/dev/tcp/127.0.0.1/$tport") 2>/dev/null && break
  sleep 0.5
done
export OUTDIAL_TEST_DATABASE_URL="$template"
export OUTDIAL_TEST_TEMPORAL_ADDRESS="127.0.0.1:$tport"
export OUTDIAL_TEMPORAL_BIN="$root/.bin/temporal"
echo "--- go test"
go test -count=1 -timeout 20m ./... "$@"
