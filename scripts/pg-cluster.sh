#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for tests and benches (issue #17), from
# Debian's postgresql-15: initdb in a temporary directory as an unprivileged
# user (nobody when run as root, since PostgreSQL refuses to run as root),
# listening only on a Unix socket inside that directory (no TCP port, so
# several engineers' clusters on one machine never collide).
#
#   scripts/pg-cluster.sh run [--] CMD...   start, export MAMORI_TEST_PG_URL,
#                                           run CMD, stop and remove the
#                                           cluster whatever CMD does (trap);
#                                           exits with CMD's status
#   scripts/pg-cluster.sh start [DIR]       start a cluster in DIR (default: a
#                                           new mktemp directory); prints DIR
#   scripts/pg-cluster.sh env DIR           prints the export line for DIR
#   scripts/pg-cluster.sh stop DIR          stops it and removes DIR
#   scripts/pg-cluster.sh restart DIR       pg_ctl restart (fast shutdown:
#                                           sessions are cut, as in a
#                                           database failover), same options
#
# The URL names the socket directory and the superuser "mamori" (trust
# authentication: the socket's directory is 0700, reachable only by the
# cluster's user and root). Durability settings are off (fsync, full pages):
# the cluster holds test data only and is deleted afterwards. PG_DURABLE=1
# keeps PostgreSQL's defaults (fsync on every commit) for benches that are
# compared with SQLite's synchronous=FULL.
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

die() { echo "pg-cluster: $*" >&2; exit 1; }

[[ -x "$PG_BIN/initdb" ]] ||
  die "no PostgreSQL 15 at $PG_BIN (run scripts/bootstrap.sh: postgresql-15)"

# Runs a command as the cluster's owner.
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

url_of() {
  # libpq URI: an empty host part with host= naming the socket directory.
  echo "postgresql:///postgres?host=$1/sock&user=mamori"
}

start() {
  local dir="${1:-}"
  if [[ -z "$dir" ]]; then
    dir="$(mktemp -d /tmp/mamori-pg.XXXXXX)"
  else
    mkdir -p "$dir"
  fi
  mkdir -p "$dir/sock"
  chmod 0700 "$dir" "$dir/sock"
  if [[ "$(id -u)" -eq 0 ]]; then chown -R nobody:nogroup "$dir"; fi
  as_owner "$PG_BIN/initdb" -D "$dir/data" -U mamori -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed in $dir"; }
  local durability="-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
  if [[ "${PG_DURABLE:-0}" == 1 ]]; then durability=""; fi
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses= -c unix_socket_directories=$dir/sock \
        $durability -c max_connections=200 -c shared_buffers=64MB" \
    start >/dev/null ||
    { cat "$dir/server.log" >&2 || true; die "could not start PostgreSQL in $dir"; }
  echo "$dir"
}

stop() {
  local dir="$1"
  [[ -d "$dir/data" ]] || die "no cluster in $dir"
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
    echo "pg-cluster: stopping $dir failed (see $dir/server.log)" >&2
  rm -rf "$dir"
}

restart() {
  local dir="$1"
  [[ -d "$dir/data" ]] || die "no cluster in $dir"
  # pg_ctl restart reuses the options of the running server (postmaster.opts).
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w \
    -t 60 restart >/dev/null ||
    { tail -n 20 "$dir/server.log" >&2 || true; die "could not restart PostgreSQL in $dir"; }
}

case "${1:-}" in
  start) start "${2:-}" ;;
  restart)
    [[ -n "${2:-}" ]] || die "usage: pg-cluster.sh restart DIR"
    restart "$2"
    ;;
  env)
    [[ -n "${2:-}" ]] || die "usage: pg-cluster.sh env DIR"
    echo "export MAMORI_TEST_PG_URL='$(url_of "$2")'"
    ;;
  stop)
    [[ -n "${2:-}" ]] || die "usage: pg-cluster.sh stop DIR"
    stop "$2"
    ;;
  run)
    shift
    [[ "${1:-}" == "--" ]] && shift
    [[ $# -gt 0 ]] || die "usage: pg-cluster.sh run [--] CMD..."
    DIR="$(start)"
    trap 'stop "$DIR"' EXIT
    trap 'exit 130' INT TERM
    export MAMORI_TEST_PG_URL
    MAMORI_TEST_PG_URL="$(url_of "$DIR")"
    rc=0
    "$@" || rc=$?
    exit "$rc"
    ;;
  *)
    sed -n '2,23p' "$0" >&2
    exit 2
    ;;
esac
