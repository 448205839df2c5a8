#!/usr/bin/env bash
# Re-grade time of one organisation on PostgreSQL beside SQLite (issue #17;
# figures for docs/performance.md "Re-grading on PostgreSQL beside SQLite").
#
#   BUILD=build SIZES="300 10000" REGRADES=3 bench/regrade_bench.sh
#
# For each size H and each backend, `mamori-loadgen port` stores a fleet of
# H hosts in one organisation through the store port (a tenth with 1,500
# packages, the rest with 150, as bench/pg_scale_bench.sh's mix), one steady
# round, then re-grades the organisation REGRADES times as `serve` does
# (GradingService::EvaluateOrgId): pass 1 writes every result, the later
# passes are the steady re-grade (results unchanged but their times). Each
# pass prints its wall time, the grading process's CPU (cpu_s) and, on
# PostgreSQL, the CPU of every process of the cluster over the pass
# (postgres_cpu_s: the check queries run there), with its slowest checks.
# PostgreSQL: a throw-away cluster (scripts/pg-cluster.sh, fsync on unless
# PG_DURABLE=0), a database per size. SQLite: a file per size in a
# temporary directory. The load average is printed before each run: the
# machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SIZES=${SIZES:-"300 10000"}
REGRADES=${REGRADES:-3}
LOADGEN=$BUILD/bench/mamori-loadgen
export PG_DURABLE=${PG_DURABLE:-1}

TMP=$(mktemp -d /tmp/mamori-regrade-bench.XXXXXX)
PG_DIR=""
cleanup() {
  [[ -n "$PG_DIR" ]] && scripts/pg-cluster.sh stop "$PG_DIR" || true
  rm -rf "$TMP"
}
trap cleanup EXIT
PG_DIR=$(scripts/pg-cluster.sh start)
eval "$(scripts/pg-cluster.sh env "$PG_DIR")"
BASE=$MAMORI_TEST_PG_URL

load() { echo "loadavg $(cut -d' ' -f1-3 /proc/loadavg) nproc=$(nproc)"; }
# CPU ticks of every process of the cluster: the postmaster with its ended
# children (cutime, cstime: backends that closed between two samples), and
# its live children.
pg_cpu() {
  local main total pid
  main=$(head -1 "$PG_DIR/data/postmaster.pid")
  total=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$main/stat")
  for pid in $(pgrep -P "$main" || true); do
    [[ -r /proc/$pid/stat ]] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# run LABEL SIZE STORE-ARGS...
run() {
  local label=$1 size=$2 line p0=0
  shift 2
  local agents=$((size / 10))
  local fill=$((size - agents))
  load
  "$LOADGEN" port --agents "$agents" --fill "$fill" --packages 1500 \
    --fill-packages 150 --rounds 1 --regrades "$REGRADES" "$@" |
    while IFS= read -r line; do
      case "$line" in
        phase_start=port_regrade*) p0=$(pg_cpu) ;;
        phase_start=*) ;;
        phase=port_regrade*)
          [[ $label == postgresql ]] && line="$line postgres_cpu_s=$(awk -v t=$(($(pg_cpu) - p0)) \
            -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz}')"
          echo "$label hosts=$size $line" ;;
        *) echo "$label hosts=$size $line" ;;
      esac
    done
}

for size in $SIZES; do
  psql "$BASE" -XAtqc "CREATE DATABASE regrade_$size"
  run postgresql "$size" --store "${BASE/postgresql:\/\/\/postgres/postgresql:\/\/\/regrade_$size}"
  run sqlite "$size" --db "$TMP/regrade-$size.db"
  rm -f "$TMP/regrade-$size.db"*
done
load
