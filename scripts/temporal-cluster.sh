# shellcheck shell=bash
# A real Temporal server (v1.29, .bin/cluster/server) on Outdial's
# PostgreSQL, with the Web UI server beside it: sourced, not run (lib.sh
# sources it). scripts/tools.sh --cluster builds the binaries; the server's
# config is deploy/temporal/config.yaml, whose ten ports all derive from the
# frontend port F (F..F+9: see that file), so servers on frontend ports ten
# apart run side by side. The server keeps its state in the databases
# temporal and temporal_visibility beside Outdial's own, in the PostgreSQL
# cluster on PGPORT; it runs as whoever runs the script (root too: only
# PostgreSQL itself runs as the postgres user, see postgres.sh).

# temporal_cluster_port_names names F+i, for the error a taken port gives.
temporal_cluster_port_names=("frontend gRPC" "frontend HTTP" "history gRPC" "matching gRPC" "worker gRPC"
  "frontend membership" "history membership" "matching membership" "worker membership" "Prometheus metrics")

# temporal_schema PGPORT LOG: create the databases temporal and
# temporal_visibility when missing and bring their schemas to the versions
# the server module ships. Idempotent: setup-schema -v 0.0 leaves a set-up
# database alone and update-schema applies only the versions it lacks.
temporal_schema() {
  local pgport=$1 log=$2 db kind schema
  schema="$(go mod download -json go.temporal.io/server@v1.29.1 | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')/schema/postgresql/v12"
  [[ -d "$schema/temporal/versioned" ]] || { echo "temporal_schema: no schema directories under $schema" >&2; return 1; }
  for kind in temporal visibility; do
    db=${TEMPORAL_DB_NAME:-temporal}
    [[ $kind == visibility ]] && db=${TEMPORAL_VISIBILITY_DB_NAME:-temporal_visibility}
    if ! scripts/postgres.sh psql temporal "$pgport" -d postgres -tAXc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
      scripts/postgres.sh psql temporal "$pgport" -d postgres -qXc "CREATE DATABASE $db" || return 1
    fi
    local sql=(.bin/cluster/sql --plugin postgres12 --endpoint 127.0.0.1 --port "$pgport" --user "${TEMPORAL_DB_USER:-outdial}" --database "$db")
    [[ -n ${TEMPORAL_DB_PASSWORD:-} ]] && sql+=(--password "$TEMPORAL_DB_PASSWORD")
    if ! { "${sql[@]}" setup-schema -v 0.0 && "${sql[@]}" update-schema -d "$schema/$kind/versioned"; } >>"$log" 2>&1; then
      echo "temporal_schema: setting up the schema of $db failed; see $log" >&2
      tail -5 "$log" >&2
      return 1
    fi
  done
}

# start_temporal_cluster PGPORT FRONTEND_PORT LOGDIR: set up the schemas,
# start the Temporal server in the background (temporal_cluster_pid; the
# caller stops it with stop_temporal_cluster, in its EXIT trap), wait until
# its frontend answers, and register the namespace default with Outdial's
# retention and search attributes as Temporal's auto-setup does. Logs go to
# LOGDIR/temporal-cluster.log and LOGDIR/temporal-schema.log.
# TEMPORAL_PORT_SETTING names the setting that moves FRONTEND_PORT when one
# of its ten ports is taken. TEMPORAL_DB_* and TEMPORAL_NUM_HISTORY_SHARDS
# (see deploy/temporal/config.yaml) pass through to the server.
start_temporal_cluster() {
  local pgport=$1 port=$2 logdir=$3 i
  temporal_cluster_pid=
  for i in "${!temporal_cluster_port_names[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$((port + i))") 2>/dev/null; then
      echo "port $((port + i)) ($port+$i, the Temporal server's ${temporal_cluster_port_names[i]} port) is in use by another program, so the Temporal server cannot start; stop it or set ${TEMPORAL_PORT_SETTING:-its frontend port} so that ports $port..$((port + 9)) are free" >&2
      return 1
    fi
  done
  mkdir -p "$logdir"
  temporal_schema "$pgport" "$logdir/temporal-schema.log" || return 1
  TEMPORAL_FRONTEND_PORT=$port TEMPORAL_DB_PORT=$pgport \
    .bin/cluster/server --root . --config deploy/temporal --env config --allow-no-auth start \
    >"$logdir/temporal-cluster.log" 2>&1 &
  temporal_cluster_pid=$!
  local address=127.0.0.1:$port
  for _ in $(seq 1 240); do
    if ! kill -0 "$temporal_cluster_pid" 2>/dev/null; then
      echo "the Temporal server exited while starting; see $logdir/temporal-cluster.log" >&2
      tail -5 "$logdir/temporal-cluster.log" >&2
      temporal_cluster_pid=
      return 1
    fi
    .bin/temporal operator cluster health --address "$address" >/dev/null 2>&1 && break
    sleep 0.5
  done
  .bin/temporal operator cluster health --address "$address" >/dev/null 2>&1 ||
    { echo "the Temporal server did not answer on $address within 2 minutes; see $logdir/temporal-cluster.log" >&2; return 1; }
  temporal_namespace "$address"
}

# temporal_namespace ADDRESS: register the namespace default with the
# retention Outdial's worker sets (worker.Retention, 30 days) and Outdial's
# search attributes, those missing only; then wait until the frontend
# accepts a query on each, so the first workflow may use them.
temporal_namespace() {
  local address=$1 cli=(.bin/temporal --address "$1" --namespace default) a name type have='' added=''
  # Right after the start the frontend may refuse while its membership
  # settles, and a new namespace reaches its cache within 2 s: retry.
  for _ in $(seq 1 60); do
    "${cli[@]}" operator namespace describe >/dev/null 2>&1 ||
      "${cli[@]}" operator namespace create --retention 720h \
        --description "Outdial (scripts/temporal-cluster.sh)" >/dev/null 2>&1 || true
    have=$("${cli[@]}" operator search-attribute list -o json 2>/dev/null) && break
    sleep 0.5
  done
  [[ -n $have ]] || { echo "could not register the namespace default on $address" >&2; return 1; }
  for a in $(go run ./scripts/searchattrs); do
    name=${a%%=*} type=${a#*=}
    grep -q "\"$name\"" <<<"$have" && continue
    "${cli[@]}" operator search-attribute create --name "$name" --type "$type" >/dev/null || return 1
    added=1
  done
  [[ -z $added ]] && return 0
  # The aliases live in the namespace record, which each service rereads
  # every 2 s: wait for the frontend, then one more interval for the rest.
  for a in $(go run ./scripts/searchattrs); do
    for _ in $(seq 1 40); do
      "${cli[@]}" workflow count --query "${a%%=*} IS NULL" >/dev/null 2>&1 && break
      sleep 0.5
    done
  done
  sleep 2
}

# stop_temporal_cluster: stop what start_temporal_cluster and
# start_temporal_ui started (SIGTERM, then SIGKILL after 20 s).
stop_temporal_cluster() {
  local pid
  for pid in ${temporal_ui_pid:-} ${temporal_cluster_pid:-}; do
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    # set -e reaches into EXIT traps: a process gone already is no failure.
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  temporal_ui_pid='' temporal_cluster_pid=''
  return 0
}

# start_temporal_ui FRONTEND_PORT UI_PORT LOG: the Temporal Web UI on
# 127.0.0.1:UI_PORT in front of the server on FRONTEND_PORT, in the
# background (temporal_ui_pid; stop_temporal_cluster stops it too).
# TEMPORAL_UI_PORT_SETTING names the setting that moves UI_PORT.
start_temporal_ui() {
  local port=$1 uiport=$2 log=$3
  temporal_ui_pid=
  if (exec 3<>"/dev/tcp/127.0.0.1/$uiport") 2>/dev/null; then
    echo "port $uiport is in use by another program, so the Temporal Web UI cannot start there; stop it or set ${TEMPORAL_UI_PORT_SETTING:-its port} to a free port" >&2
    return 1
  fi
  TEMPORAL_ADDRESS=127.0.0.1:$port TEMPORAL_UI_PORT=$uiport \
    .bin/cluster/temporal-ui --root . --config deploy/temporal --env ui start >"$log" 2>&1 &
  temporal_ui_pid=$!
  for _ in $(seq 1 60); do
    (exec 3<>"/dev/tcp/127.0.0.1/$uiport") 2>/dev/null && return 0
    kill -0 "$temporal_ui_pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "the Temporal Web UI did not answer on $uiport; see $log" >&2
  return 1
}
