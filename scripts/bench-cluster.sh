#!/usr/bin/env bash
# make bench-cluster: make bench-dial's campaign on a real Temporal server
# stored in PostgreSQL, dialed by one `outdial worker` process and then by
# two, with the bare-workflow limit measured on the same server in the same
# run and the CPU seconds of the server, the workers and PostgreSQL per
# 1,000 attempts (scripts/benchdial/cluster.go). CONTACTS=N, AGENTS=N and
# WORKERS=1,2,3 change it. Ports: PostgreSQL 55438, Temporal 7381..7390.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
scripts/tools.sh
scripts/tools.sh --cluster
pgport=55438 tport=7381 logs=.data/bench-cluster-logs
rm -rf "$logs"
mkdir -p "$logs"
trap 'stop_temporal_cluster; scripts/postgres.sh stop bench-cluster' EXIT
db=$(fresh_db bench-cluster "$pgport" outdial_bench_cluster)
for d in temporal temporal_visibility; do
  PGOPTIONS="-c client_min_messages=warning" scripts/postgres.sh psql bench-cluster "$pgport" -d postgres -qXc "DROP DATABASE IF EXISTS $d"
done
start_temporal_cluster "$pgport" "$tport" "$logs"
pgdir=$(scripts/postgres.sh start bench-cluster "$pgport")
go build -o .bin/outdial ./cmd/outdial
go build -o .bin/benchdial ./scripts/benchdial
OUTDIAL_DATABASE_URL="$db" OUTDIAL_TEMPORAL_ADDRESS="127.0.0.1:$tport" \
  .bin/benchdial --cluster --outdial .bin/outdial --workers "${WORKERS:-1,2}" \
  --server-pid "$temporal_cluster_pid" --postgres-pid "$(head -1 "$pgdir/postmaster.pid")" \
  --contacts "${CONTACTS:-5000}" --agents "${AGENTS:-20}"
