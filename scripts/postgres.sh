#!/usr/bin/env bash
# Runs a private PostgreSQL cluster for Outdial from the machine's PostgreSQL
# binaries, installing Debian's postgresql package when they are missing.
#
#   scripts/postgres.sh start NAME PORT   init if needed, start, print the data dir
#   scripts/postgres.sh stop NAME
#
# The cluster lives in .data/NAME. As root the server runs as the postgres
# user, who must be able to enter every parent of its data directory; when it
# cannot (a checkout under /root, say), the cluster lives under /var/tmp in a
# directory named after the checkout's path instead. PG_FSYNC,
# PG_SHARED_BUFFERS and PG_OPTIONS (more "-c name=value" settings, e.g. to
# load pg_stat_statements while profiling) change how it starts;
# PG_PORT_SETTING names the setting that moves PORT, for the error a port
# another program holds gives.
set -euo pipefail

cmd=${1:?usage: postgres.sh start|stop NAME [PORT]}
name=${2:?cluster name}
port=${3:-55432}
root=$(cd "$(dirname "$0")/.." && pwd)

pgbin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [[ -z "$d" && $(id -u) == 0 ]]; then
    echo "postgres.sh: PostgreSQL is missing; installing Debian's postgresql package" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    d=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  [[ -n "$d" ]] || { echo "postgres.sh: no PostgreSQL binaries under /usr/lib/postgresql; install the postgresql package" >&2; exit 1; }
  echo "$d"
}

datadir() {
  local dir="$root/.data/$name"
  if [[ $(id -u) == 0 ]]; then
    mkdir -p "$root/.data"
    if ! runuser -u postgres -- test -x "$root/.data"; then
      dir="/var/tmp/outdial-$(printf %s "$root" | md5sum | cut -c1-12)/$name"
    fi
  fi
  echo "$dir"
}

# as_owner runs a command as the cluster's owner: postgres when we are root.
as_owner() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bin=$(pgbin)
dir=$(datadir)

case "$cmd" in
start)
  if [[ ! -f "$dir/PG_VERSION" ]]; then
    mkdir -p "$dir"
    [[ $(id -u) == 0 ]] && chown postgres "$dir" && chmod 700 "$dir"
    as_owner "$bin/initdb" -D "$dir" -U outdial --auth=trust -E UTF8 >"$dir.initdb.log" 2>&1 ||
      { cat "$dir.initdb.log" >&2; exit 1; }
  fi
  if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "postgres.sh: port $port is in use by another program, so PostgreSQL ($name) cannot start there; stop it or set ${PG_PORT_SETTING:-the PORT argument} to a free port" >&2
      exit 1
    fi
    as_owner "$bin/pg_ctl" -D "$dir" -w -t 60 -l "$dir/log" \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-on} -c max_connections=200 -c shared_buffers=${PG_SHARED_BUFFERS:-512MB} -c max_wal_size=4GB ${PG_OPTIONS:-}" start >/dev/null ||
      { tail -20 "$dir/log" >&2; exit 1; }
  fi
  for db in outdial; do
    if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U outdial -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
      "$bin/psql" -h 127.0.0.1 -p "$port" -U outdial -d postgres -qc "CREATE DATABASE $db" >/dev/null
    fi
  done
  echo "$dir"
  ;;
stop)
  if [[ -f "$dir/PG_VERSION" ]]; then
    as_owner "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
  fi
  ;;
psql)
  exec "$bin/psql" -h 127.0.0.1 -p "$port" -U outdial "${@:4}"
  ;;
*)
  echo "postgres.sh: unknown command $cmd" >&2
  exit 2
  ;;
esac
