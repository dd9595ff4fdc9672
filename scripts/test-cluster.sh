#!/usr/bin/env bash
# make test-cluster: the production shape on this machine, tested. It starts
# a PostgreSQL cluster of its own and a real Temporal server stored in it
# (scripts/temporal-cluster.sh), then
#  1. runs the end-to-end campaign tests (package api) with their workers
#     polling that server instead of the dev server, and
#  2. runs the cluster suite (cmd/outdial/cluster_test.go): two `outdial
#     worker` and two `outdial api` processes, two campaigns run undisturbed
#     and again with a worker killed with SIGKILL, the end states compared.
# Ports: OUTDIAL_CLUSTER_PG_PORT (55561), OUTDIAL_CLUSTER_TEMPORAL_PORT
# (7371: the server takes it and the nine after it), OUTDIAL_CLUSTER_API_PORT
# (8371 and the next). Logs stay in .data/cluster-test-logs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
scripts/tools.sh --lint
scripts/tools.sh --cluster

pgport=${OUTDIAL_CLUSTER_PG_PORT:-55561}
tport=${OUTDIAL_CLUSTER_TEMPORAL_PORT:-7371}
logs=.data/cluster-test-logs
rm -rf "$logs"
mkdir -p "$logs"
cleanup() {
  stop_temporal_cluster
  scripts/postgres.sh stop cluster-test
}
trap cleanup EXIT
export PG_FSYNC=off

template=$(PG_PORT_SETTING=OUTDIAL_CLUSTER_PG_PORT fresh_db cluster-test "$pgport" outdial_template)
# A server from an earlier run left its databases: start from empty ones.
for db in temporal temporal_visibility; do
  PGOPTIONS="-c client_min_messages=warning" scripts/postgres.sh psql cluster-test "$pgport" -d postgres -qXc "DROP DATABASE IF EXISTS $db"
done
TEMPORAL_PORT_SETTING=OUTDIAL_CLUSTER_TEMPORAL_PORT start_temporal_cluster "$pgport" "$tport" "$logs"

export OUTDIAL_TEST_DATABASE_URL="$template"
export OUTDIAL_TEST_TEMPORAL_ADDRESS="127.0.0.1:$tport"
export OUTDIAL_CLUSTER_PG_PORT="$pgport" OUTDIAL_CLUSTER_TEMPORAL_ADDRESS="127.0.0.1:$tport"
export OUTDIAL_FAULTS_LOGS="$root/$logs"
start=$SECONDS
echo "--- the end-to-end campaign tests, their workers on the Temporal server"
go test -count=1 -timeout 20m -run '^(TestProgressiveCampaignEndToEnd|TestPreviewCampaignEndToEnd|TestCampaignCompletes|TestSimulatedCampaignWrapsUpWithItsOwnCodes|TestWebhookDialerRoundTrip|TestContactLifecycle)$' ./api/
echo "--- the cluster suite: two workers, two APIs, one killed"
go vet -tags cluster ./cmd/outdial/
.bin/staticcheck -tags cluster ./cmd/outdial/
go test -tags cluster -count=1 -timeout 40m -run '^TestCluster$' -v ./cmd/outdial/ "$@"
echo "test-cluster: passed in $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s after the server started"
