# shellcheck shell=bash
# Shared by test.sh and the bench scripts: sourced, not run.

# shellcheck source=scripts/temporal-cluster.sh
source scripts/temporal-cluster.sh

# fresh_db CLUSTER PORT NAME: start the cluster, recreate database NAME,
# migrate it, and print its URL.
# It runs in a command substitution, where set -e does not reach: each step
# returns on failure, so a migration that fails stops the caller.
fresh_db() {
  local cluster=$1 port=$2 name=$3
  scripts/postgres.sh start "$cluster" "$port" >/dev/null || return 1
  scripts/postgres.sh psql "$cluster" "$port" -d postgres -qX \
    -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" 2>/dev/null || return 1
  local url="postgres://outdial@127.0.0.1:$port/$name?sslmode=disable"
  go run ./cmd/outdial migrate --database-url "$url" --log-level warn || return 1
  echo "$url"
}

# start_temporal PORT LOG [DBFILE]: start a Temporal dev server with
# Outdial's search attributes in the background, wait until it answers, and
# set temporal_pid. Without DBFILE it keeps everything in memory; with one,
# it starts afresh in that SQLite file, in WAL mode as `make run` does.
# TEMPORAL_PORT_SETTING names the setting that moves PORT when it is taken.
start_temporal() {
  local port=$1 log=$2 db=${3:-} sa=() store=()
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use by another program, so the Temporal dev server cannot start there; stop it or set ${TEMPORAL_PORT_SETTING:-its port} to a free port" >&2
    return 1
  fi
  for a in $(go run ./scripts/searchattrs); do sa+=(--search-attribute "$a"); done
  if [[ -n $db ]]; then
    rm -f "$db" "$db-wal" "$db-shm"
    store=(--db-filename "$db" --sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=NORMAL)
  fi
  .bin/temporal server start-dev --headless --ip 127.0.0.1 --port "$port" --log-level error "${store[@]}" "${sa[@]}" >"$log" 2>&1 &
  temporal_pid=$!
  for _ in $(seq 1 120); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.5
  done
  echo "Temporal dev server did not answer on $port; see $log" >&2
  return 1
}

# bench_services NAME PGPORT TPORT: tools, a fresh database NAME on its own
# cluster and a fresh Temporal dev server stored as `make run` stores it (a
# WAL-mode SQLite file: in memory, the server's tail latencies grew with
# every history it held), stopped when the script exits; sets bench_db to
# the database URL.
bench_services() {
  local name=$1 pgport=$2 tport=$3
  scripts/tools.sh
  mkdir -p ".data/$name"
  temporal_pid=
  trap "[[ -n \$temporal_pid ]] && kill \$temporal_pid 2>/dev/null; scripts/postgres.sh stop $name" EXIT
  bench_db=$(fresh_db "$name" "$pgport" "outdial_$name")
  start_temporal "$tport" ".data/$name/temporal.log" ".data/$name/temporal.db"
}
