#!/usr/bin/env bash
# PostgreSQL with two collectors (issue #17): figures for docs/performance.md
# "PostgreSQL: two collectors", all from one run on one machine.
#
#   BUILD=build AGENTS=1000 EXTRA=0 ROUNDS=3 bench/pg_scale_bench.sh
#
# 1. A throw-away PostgreSQL 15 cluster (scripts/pg-cluster.sh; fsync on
#    unless PG_DURABLE=0) with two databases: `mamori` for the collectors
#    and `ceiling` for the raw ceiling.
# 2. Two `serve --store` processes on `mamori`; mamori-loadgen spreads its
#    CONNECTIONS (32) TLS connections over both with gRPC's round_robin
#    policy (target ipv4:ADDR1,ADDR2; HAProxy would add its own CPU on the
#    same 2 cores): AGENTS enroll and send first reports with 1,500 packages,
#    EXTRA more with FILL_PACKAGES (150), then every agent ROUNDS steady
#    reports (package list as its digest).
# 3. The database's size per host (pg_database_size after the run minus
#    after init).
# 4. mamori-loadgen pg-ceiling: the same rows for AGENTS hosts written by one
#    process with libpq into `ceiling` (COPY, and prepared statements for the
#    steady reports one by one; then the steady rows set-based as "bulk").
# 5. SQLITE=1 (default): the same AGENTS/ROUNDS on one SQLite collector
#    (bench/collector_bench.sh, with its raw-SQLite ceiling).
# Everything shares the machine's cores: each phase line is preceded by the
# load average. The collectors' and PostgreSQL's CPU per report are printed
# from /proc (all postgres processes of the cluster, all collector threads).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
AGENTS=${AGENTS:-1000}
EXTRA=${EXTRA:-0}
FILL_PACKAGES=${FILL_PACKAGES:-150}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
IN_FLIGHT=${IN_FLIGHT:-4}
COLLECTOR=$BUILD/collector/mamori-collector
LOADGEN=$BUILD/bench/mamori-loadgen
export PG_DURABLE=${PG_DURABLE:-1}

DIR=$(mktemp -d /tmp/mamori-pgbench.XXXXXX)
PG_DIR=""
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n "$PG_DIR" ]] && scripts/pg-cluster.sh stop "$PG_DIR" || true
  rm -rf "$DIR"
}
trap cleanup EXIT

PG_DIR=$(scripts/pg-cluster.sh start)
eval "$(scripts/pg-cluster.sh env "$PG_DIR")"
BASE=$MAMORI_TEST_PG_URL
psql "$BASE" -XAtqc "CREATE DATABASE mamori" -c "CREATE DATABASE ceiling"
URL=${BASE/postgresql:\/\/\/postgres/postgresql:\/\/\/mamori}
CEILING_URL=${BASE/postgresql:\/\/\/postgres/postgresql:\/\/\/ceiling}

load() { echo "loadavg $(cut -d' ' -f1-3 /proc/loadavg) nproc=$(nproc)"; }
# CPU ticks of every process of this cluster (postmaster and its children).
pg_cpu() {
  local main total=0 pid
  main=$(head -1 "$PG_DIR/data/postmaster.pid")
  for pid in "$main" $(pgrep -P "$main" || true); do
    [[ -r /proc/$pid/stat ]] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }

"$COLLECTOR" init --data "$DIR/data" --store "$URL" --org bench >/dev/null
"$COLLECTOR" init --data "$DIR/ceiling-data" --store "$CEILING_URL" --org bench >/dev/null
EMPTY=$(psql "$URL" -XAtc "SELECT pg_database_size(current_database())")
for n in 1 2; do
  "$COLLECTOR" serve --data "$DIR/data" --store "$URL" --grpc 127.0.0.1:0 \
    --port-file "$DIR/port-$n" --enroll-burst 100000 --enroll-per-minute 1000000 \
    --max-conns-per-peer 0 --log-level warning &
  PIDS+=($!)
done
for n in 1 2; do
  for _ in $(seq 1 100); do [[ -s "$DIR/port-$n" ]] && break; sleep 0.1; done
done
TARGET="ipv4:127.0.0.1:$(cat "$DIR/port-1"),127.0.0.1:$(cat "$DIR/port-2")"
TOKEN=$("$COLLECTOR" token create --org bench --quiet --data "$DIR/data" --store "$URL")
COMMON=(--server "$TARGET" --ca "$DIR/data/pki/ca.crt" --connections "$CONNECTIONS"
        --in-flight "$IN_FLIGHT")

# phase NAME LOADGEN-ARGS...: runs the loadgen, then prints the two
# collectors' and PostgreSQL's CPU per report over the phase.
phase() {
  local name=$1; shift
  load
  local c0 p0 out reports
  c0=$(( $(cpu_of "${PIDS[0]}") + $(cpu_of "${PIDS[1]}") ))
  p0=$(pg_cpu)
  out=$("$LOADGEN" "$@")
  echo "$out" | sed "s/phase=first/phase=$name/"
  reports=$(echo "$out" | sed -n 's/.* reports=\([0-9]*\).*/\1/p' | head -1)
  local c1 p1
  c1=$(( $(cpu_of "${PIDS[0]}") + $(cpu_of "${PIDS[1]}") ))
  p1=$(pg_cpu)
  awk -v c=$((c1 - c0)) -v p=$((p1 - p0)) -v n="$reports" -v t="$(getconf CLK_TCK)" -v name="$name" \
    'BEGIN {printf "phase=%s collectors_cpu_ms_per=%.3f postgres_cpu_ms_per=%.3f\n", name, c * 1000 / t / n, p * 1000 / t / n}'
}

phase pg2_first first "${COMMON[@]}" --token "$TOKEN" --agents "$AGENTS" --packages 1500 \
  --out "$DIR/agents"
if [[ "$EXTRA" -gt 0 ]]; then
  phase pg2_fill first "${COMMON[@]}" --token "$TOKEN" --agents "$EXTRA" --offset "$AGENTS" \
    --packages "$FILL_PACKAGES" --out "$DIR/agents"
fi
phase pg2_steady steady "${COMMON[@]}" --agents-file "$DIR/agents" --rounds "$ROUNDS" |
  sed 's/phase=steady/phase=pg2_steady/'
HOSTS=$(wc -l <"$DIR/agents")
SIZE=$(psql "$URL" -XAtc "SELECT pg_database_size(current_database())")
echo "hosts=$HOSTS db_mib=$((SIZE / 1048576)) empty_db_mib=$((EMPTY / 1048576))" \
  "kib_per_host=$(( (SIZE - EMPTY) / 1024 / HOSTS ))"
psql "$URL" -XAtc "SELECT 'largest: ' || string_agg(relname || '=' || pg_size_pretty(s), ' ')
  FROM (SELECT c.relname, pg_total_relation_size(c.oid) AS s FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        ORDER BY s DESC LIMIT 5) t"
for p in "${PIDS[@]}"; do kill -TERM "$p"; done
wait "${PIDS[@]}" 2>/dev/null || true
PIDS=()

load
STEADY_ROUNDS=$(( HOSTS * ROUNDS / AGENTS ))
"$LOADGEN" pg-ceiling --pg "$CEILING_URL" --agents "$AGENTS" --packages 1500 \
  --rounds "$STEADY_ROUNDS"

if [[ "${SQLITE:-1}" == 1 ]]; then
  load
  BUILD=$BUILD AGENTS=$AGENTS EXTRA=$EXTRA FILL_PACKAGES=$FILL_PACKAGES ROUNDS=$ROUNDS \
    CONNECTIONS=$CONNECTIONS IN_FLIGHT=$IN_FLIGHT PORT=0 bench/collector_bench.sh |
    sed 's/^phase=/phase=sqlite_/'
fi
load
