#!/usr/bin/env bash
# make test-faults: the fault suite (cmd/outdial/faults_test.go). It starts
# its own PostgreSQL, Temporal dev server, `outdial api` and `outdial
# worker` as separate processes on ports of their own (OUTDIAL_FAULTS_*),
# breaks them while two campaigns dial and a 200,000-row list imports, and
# prints the end state's counts. The processes' logs stay in
# .data/faults-logs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/tools.sh --lint
rm -rf .data/faults-logs
mkdir -p .data/faults-logs
trap 'scripts/postgres.sh stop faults' EXIT
export OUTDIAL_TEMPORAL_BIN="$root/.bin/temporal"
export OUTDIAL_FAULTS_LOGS="$root/.data/faults-logs"
export PG_FSYNC=off
go vet -tags faults ./cmd/outdial/
.bin/staticcheck -tags faults ./cmd/outdial/
go test -tags faults -count=1 -timeout 45m -run '^(TestFaults|TestDevLeavesNoTemporalBehind)$' -v ./cmd/outdial/ "$@"
