#!/bin/sh
# Collector throughput and memory, with the raw-SQLite ceiling from the same
# run (figures for docs/performance.md "Collector").
#
#   BUILD=build-c1 bench/collector_bench.sh
#
# Phases: AGENTS agents enroll and send first reports with 1,500 packages;
# EXTRA more agents enroll with FILL_PACKAGES-package (150) first reports so the store holds
# AGENTS+EXTRA hosts (10,000 by default); every agent then sends ROUNDS
# steady reports (package list as its digest). mamori-loadgen sends them with
# gRPC's callback API over CONNECTIONS (32) TLS connections, IN_FLIGHT (4)
# calls in flight on each, reports serialized before timing: it shares the
# machine's cores with the collector, so each phase line also gives its own
# CPU per report (loadgen_cpu_ms_per), next to the collector's
# (server_cpu_ms_per). LOADGEN=path runs another mamori-loadgen (to compare
# builds). The collector's RSS is read
# from /proc after the steady phase. Then mamori-loadgen ceiling inserts the
# same rows straight into SQLite (prepared statements, one transaction), once
# with the schema as migrated and once without the triggers on host_facts:
# the raw-SQLite ceiling. Last, mamori-loadgen port stores the same reports
# in process through the store port (no gRPC, TLS or queue) and re-grades
# once (skipped by a loadgen without that mode, or with PORT=0).
set -eu
BUILD=${BUILD:-build}
AGENTS=${AGENTS:-1000}
EXTRA=${EXTRA:-9000}
FILL_PACKAGES=${FILL_PACKAGES:-150}
ROUNDS=${ROUNDS:-1}
CONNECTIONS=${CONNECTIONS:-32}
IN_FLIGHT=${IN_FLIGHT:-4}
COLLECTOR=$BUILD/collector/mamori-collector
LOADGEN=${LOADGEN:-$BUILD/bench/mamori-loadgen}
DIR=$(mktemp -d /tmp/mamori-bench.XXXXXX)
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT

"$COLLECTOR" init --data "$DIR/data" --org bench >/dev/null
"$COLLECTOR" serve --data "$DIR/data" --grpc 127.0.0.1:0 --port-file "$DIR/port" \
  --enroll-burst 100000 --enroll-per-minute 1000000 --log-level warning &
PID=$!
for _ in $(seq 1 100); do [ -s "$DIR/port" ] && break; sleep 0.1; done
SERVER=127.0.0.1:$(cat "$DIR/port")
TOKEN=$("$COLLECTOR" token create --org bench --quiet --data "$DIR/data")
COMMON="--server $SERVER --ca $DIR/data/pki/ca.crt --connections $CONNECTIONS --server-pid $PID"
# An older loadgen (LOADGEN=…, to compare) may not know --in-flight.
if "$LOADGEN" --help | grep -q -- --in-flight; then COMMON="$COMMON --in-flight $IN_FLIGHT"; fi

"$LOADGEN" first $COMMON --token "$TOKEN" --agents "$AGENTS" --packages 1500 --out "$DIR/agents"
if [ "$EXTRA" -gt 0 ]; then
  "$LOADGEN" first $COMMON --token "$TOKEN" --agents "$EXTRA" --offset "$AGENTS" \
    --packages "$FILL_PACKAGES" --out "$DIR/agents" | sed 's/phase=first/phase=fill/'
fi
"$LOADGEN" steady $COMMON --agents-file "$DIR/agents" --rounds "$ROUNDS"
echo "hosts=$(wc -l < "$DIR/agents") db_mib=$(du -sm "$DIR/data" | cut -f1)"
# The organisation is re-graded once the reports stop (after the 2 s
# debounce). Wait until the collector has been idle (≤ 20 ms CPU per 2 s)
# for 6 s (at most 120 s),
# tracking the highest RSS on the way, then read what stays resident: the
# RSS of a collector holding 10,000 hosts that has graded them.
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
rss() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$PID/status"; }
GRADE_T0=$(ticks)
peak=$(rss); idle=0; last=$(ticks); start=$(date +%s)
while [ "$idle" -lt 3 ] && [ $(( $(date +%s) - start )) -lt 120 ]; do
  sleep 2
  now=$(ticks); r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
  if [ $((now - last)) -le 2 ]; then idle=$((idle + 1)); else idle=0; fi
  last=$now
done
echo "after_grading grading_cpu_s=$(awk -v t="$(ticks)" -v s="$GRADE_T0" 'BEGIN {printf "%.2f", (t - s) / 100}') \
peak_rss_mib=$peak $(grep -E "VmRSS|RssAnon" "/proc/$PID/status" | tr -s ' \t\n' ' ')"
kill -TERM "$PID"
wait "$PID"

STEADY_ROUNDS=$(( (AGENTS + EXTRA) * ROUNDS / AGENTS ))
"$LOADGEN" ceiling --agents "$AGENTS" --packages 1500 --rounds "$STEADY_ROUNDS" \
  --db "$DIR/ceiling.db"
# The same without the grading module's triggers on host_facts: what they add.
"$LOADGEN" ceiling --agents "$AGENTS" --packages 1500 --rounds "$STEADY_ROUNDS" \
  --db "$DIR/ceiling-nt.db" --drop-triggers | sed 's/phase=ceiling_/phase=ceiling_no_triggers_/'
# The same fleet through the store port, in process (phase=port_*).
if [ "${PORT:-1}" = 1 ] && "$LOADGEN" --help | grep -q "ceiling|port"; then
  "$LOADGEN" port --agents "$AGENTS" --packages 1500 --fill "$EXTRA" \
    --fill-packages "$FILL_PACKAGES" --rounds "$ROUNDS" --db "$DIR/port.db"
fi
