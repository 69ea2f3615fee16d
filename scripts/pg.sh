#!/usr/bin/env bash
# Installs (Debian packages) and starts/stops a real PostgreSQL server for tests and benchmarks.
#   scripts/pg.sh start   → prints nothing but "DATABASE_URL=..." on its last line
#   scripts/pg.sh stop | status | url
# Env: CUPOLA_PG_PORT (default 54329), CUPOLA_PG_DIR (default /tmp/cupola-pg-$PORT).
set -euo pipefail
PORT="${CUPOLA_PG_PORT:-54329}"
DIR="${CUPOLA_PG_DIR:-/tmp/cupola-pg-$PORT}"
DB="${CUPOLA_PG_DB:-cupola}"

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/pg_ctl" ]] && { echo "$d"; return 0; }
  done
  return 1
}

ensure_installed() {
  if ! find_bin >/dev/null; then
    echo "pg.sh: installing PostgreSQL from Debian packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql postgresql-contrib >&2
  fi
}

as_pg() {
  if [[ "$(id -u)" == "0" ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url() { echo "postgres://postgres@127.0.0.1:$PORT/$DB"; }

start() {
  ensure_installed
  local BIN; BIN="$(find_bin)"
  if [[ ! -f "$DIR/PG_VERSION" ]]; then
    mkdir -p "$DIR"
    [[ "$(id -u)" == "0" ]] && chown postgres: "$DIR"
    as_pg "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$DIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 300
shared_buffers = 512MB
work_mem = 16MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
log_min_messages = warning
CONF
  fi
  if ! as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
    as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 start >/dev/null
  fi
  "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "select 1 from pg_database where datname='$DB'" | grep -q 1 \
    || "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
  echo "DATABASE_URL=$(url)"
}

stop() {
  local BIN; BIN="$(find_bin)" || exit 0
  [[ -f "$DIR/PG_VERSION" ]] && as_pg "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null 2>&1 || true
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) as_pg "$(find_bin)/pg_ctl" -D "$DIR" status ;;
  url) url ;;
  bin) find_bin ;;
  *) echo "usage: $0 start|stop|status|url|bin" >&2; exit 2 ;;
esac
