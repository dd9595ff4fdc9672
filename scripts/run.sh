#!/usr/bin/env bash
# make run: sets up everything on a fresh machine and runs `outdial dev`:
# a private PostgreSQL in .data, the Temporal dev server (SQLite in .data, Web
# UI on :8233), the migrations, the API on :8080 and the worker. Ctrl-C stops
# all of it; the next run reuses the data. A port already taken is named
# before anything starts, with the setting that moves it.
#
# make run CLUSTER=1 runs the production shape instead, as separate
# processes (see README "Cluster"): a real Temporal server on PostgreSQL
# (scripts/temporal-cluster.sh) with its Web UI, the migrations, two
# `outdial worker`s and one `outdial api`, on a PostgreSQL cluster of its own
# (.data/run-cluster: Outdial's rows belong with the Temporal they were
# dialled through).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

run_cluster() {
  # shellcheck source=scripts/lib.sh
  source scripts/lib.sh
  scripts/tools.sh --cluster
  local pgport=${OUTDIAL_PG_PORT:-55432} tport=${OUTDIAL_TEMPORAL_PORT:-7233} uiport=${OUTDIAL_UI_PORT:-8233}
  local mport=${OUTDIAL_METRICS_PORT:-9464} listen=${OUTDIAL_LISTEN:-127.0.0.1:8080} logs=.data/cluster-logs
  # Every port the Outdial processes take, named with its setting, before
  # anything starts (the Temporal server and the UI check theirs).
  local busy=0
  taken() { # taken PORT WHAT SETTING
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 0
    echo "run.sh: port $1 ($2) is in use by another program; stop it or set $3" >&2
    busy=1
  }
  taken "${listen##*:}" "the API" "OUTDIAL_LISTEN to a free address"
  taken "$mport" "worker 1's metrics" "OUTDIAL_METRICS_PORT to a free port"
  taken "$((mport + 1))" "worker 2's metrics" "OUTDIAL_METRICS_PORT to a port whose next one is free too"
  ((busy == 0)) || exit 1

  outdial_pids=()
  # shellcheck disable=SC2317 # the EXIT trap calls it
  cleanup() {
    local pid
    for pid in "${outdial_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${outdial_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    stop_temporal_cluster
    scripts/postgres.sh stop run-cluster
  }
  trap cleanup EXIT
  PG_PORT_SETTING=OUTDIAL_PG_PORT scripts/postgres.sh start run-cluster "$pgport" >/dev/null
  mkdir -p "$logs"
  TEMPORAL_PORT_SETTING=OUTDIAL_TEMPORAL_PORT start_temporal_cluster "$pgport" "$tport" "$logs"
  TEMPORAL_UI_PORT_SETTING=OUTDIAL_UI_PORT start_temporal_ui "$tport" "$uiport" "$logs/temporal-ui.log"
  go build -o .bin/outdial ./cmd/outdial
  export OUTDIAL_DATABASE_URL=${OUTDIAL_DATABASE_URL:-postgres://outdial@127.0.0.1:$pgport/outdial?sslmode=disable}
  export OUTDIAL_TEMPORAL_ADDRESS=127.0.0.1:$tport OUTDIAL_TEMPORAL_UI_URL=http://localhost:$uiport
  .bin/outdial migrate --log-level warn
  # As `outdial dev` does: a database without an admin key gets one, shown once.
  if [[ $(scripts/postgres.sh psql run-cluster "$pgport" -d outdial -tAXc \
    "SELECT count(*) FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL") == 0 ]]; then
    echo "The first admin API key, shown this once (Authorization: Bearer <key>):"
    .bin/outdial keys create --role admin --name "first admin" 2>/dev/null
  fi
  # Each process's lines, prefixed with its name; $! stays the process's
  # pid. The prefixer ignores Ctrl-C so that it outlives its process's
  # shutdown, whose lines it still shows.
  .bin/outdial worker --worker-name worker1 --spread-contacts --metrics-listen "127.0.0.1:$mport" > >(trap '' INT; exec sed -u 's/^/worker1 | /') 2>&1 &
  outdial_pids+=($!)
  .bin/outdial worker --worker-name worker2 --spread-contacts --metrics-listen "127.0.0.1:$((mport + 1))" > >(trap '' INT; exec sed -u 's/^/worker2 | /') 2>&1 &
  outdial_pids+=($!)
  .bin/outdial api --listen "$listen" > >(trap '' INT; exec sed -u 's/^/api     | /') 2>&1 &
  outdial_pids+=($!)
  local api="http://${listen/#:/localhost:}"
  cat <<MSG
Outdial is running as a cluster (Ctrl-C stops all of it):
  API                 $api/api/v1   (OpenAPI: $api/openapi.json, metrics: $api/metrics)
  workers' metrics    http://127.0.0.1:$mport/metrics, http://127.0.0.1:$((mport + 1))/metrics
  Temporal frontend   127.0.0.1:$tport (ports $tport..$((tport + 9)), Prometheus on $((tport + 9)))
  Temporal Web UI     http://localhost:$uiport
  PostgreSQL          127.0.0.1:$pgport (databases outdial, temporal, temporal_visibility)
  logs                $logs/ (Temporal server, schema, UI)
MSG
  # Whichever process ends first ends the run.
  local status=0
  wait -n "${outdial_pids[@]}" "$temporal_cluster_pid" || status=$?
  echo "run.sh: a process of the cluster exited (status $status); stopping the rest" >&2
  exit "$status"
}

scripts/tools.sh
if [[ "${CLUSTER:-}" == 1 ]]; then
  [[ "${DEMO:-}" == 1 ]] && { echo "run.sh: DEMO=1 loads the demo through outdial dev; it does not combine with CLUSTER=1" >&2; exit 2; }
  run_cluster
fi
port=${OUTDIAL_PG_PORT:-55432}
PG_PORT_SETTING=OUTDIAL_PG_PORT scripts/postgres.sh start run "$port" >/dev/null
trap 'scripts/postgres.sh stop run' EXIT
go build -o .bin/outdial ./cmd/outdial
export OUTDIAL_DATABASE_URL=${OUTDIAL_DATABASE_URL:-postgres://outdial@127.0.0.1:$port/outdial?sslmode=disable}
args=(dev --data-dir .data)
[[ "${DEMO:-}" == 1 ]] && args+=(--demo)
.bin/outdial "${args[@]}" "$@"
