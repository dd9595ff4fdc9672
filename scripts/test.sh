#!/usr/bin/env bash
# make test: the same set-up as make run, then the linters and every test,
# including integration tests against a real PostgreSQL and a real Temporal
# dev server (in memory, for speed). Everything it starts, it stops.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
source scripts/browser.sh
scripts/tools.sh --lint
mkdir -p .data
browser_setup

pgport=${OUTDIAL_TEST_PG_PORT:-55433}
tport=${OUTDIAL_TEST_TEMPORAL_PORT:-7244}
temporal_pid=
cleanup() {
  [[ -n "$temporal_pid" ]] && kill "$temporal_pid" 2>/dev/null && wait "$temporal_pid" 2>/dev/null
  scripts/postgres.sh stop test
}
trap cleanup EXIT

# Every test package copies this migrated template into a database of its own.
export PG_FSYNC=off
template=$(PG_PORT_SETTING=OUTDIAL_TEST_PG_PORT fresh_db test "$pgport" outdial_template)
TEMPORAL_PORT_SETTING=OUTDIAL_TEST_TEMPORAL_PORT start_temporal "$tport" .data/temporal-test.log

echo "--- gofmt, go vet, staticcheck, errcheck, workflowcheck, import rules, parameterised SQL"
unformatted=$(gofmt -l $(git ls-files '*.go'; git ls-files --others --exclude-standard '*.go'))
[[ -z "$unformatted" ]] || { echo "gofmt needed: $unformatted"; exit 1; }
go vet ./...
.bin/staticcheck ./...
.bin/errcheck -exclude scripts/errcheck-exclude.txt ./...
.bin/workflowcheck -test=false ./workflows/...
go run ./scripts/checkimports
go run ./scripts/checksql

export OUTDIAL_TEST_DATABASE_URL="$template"
export OUTDIAL_TEST_TEMPORAL_ADDRESS="127.0.0.1:$tport"
export OUTDIAL_TEMPORAL_BIN="$root/.bin/temporal"
echo "--- go test"
go test -count=1 -timeout 20m ./... "$@"
