#!/bin/sh
# The console's CPU per answer of the graded pages (issue #14;
# docs/performance.md "Web console", fourth pass): serves a store kept by
# bench/console_bench.sh (KEEP=DIR) without ingest, waits until serve is idle,
# then for the dashboard, trend and rules pages in turn: wrk with one
# connection back to back for DUR (10) seconds, and serve's CPU time
# (utime + stime from /proc) over that window divided by the answers. CPU per
# answer is the figure that holds on a shared machine; the latencies beside it
# move with the load average printed on each line.
#
#   bench/console_cpu_per_answer.sh /tmp/console-bench [path/to/mamori-collector]
set -eu
DIR=$1; COLLECTOR=${2:-build/collector/mamori-collector}; DUR=${DUR:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
rm -f "$DIR/port" "$DIR/web-port"
"$COLLECTOR" serve --data "$DIR/data" --grpc 127.0.0.1:0 --port-file "$DIR/port" \
  --web 127.0.0.1:0 --web-port-file "$DIR/web-port" --log-level warning >"$DIR/cpa.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$DIR/web-port" ] && break; sleep 0.1; done
WEB=https://127.0.0.1:$(cat "$DIR/web-port")
CURL="curl -sS --cacert $DIR/data/pki/ca.crt"
$CURL -c "$DIR/cpa-cookies" -H 'Content-Type: application/json' \
  -d "{\"name\":\"admin\",\"password\":\"$(cat "$DIR/password")\"}" "$WEB/api/v1/session" >"$DIR/cpa-session.json"
CSRF=$(sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' "$DIR/cpa-session.json")
TOKEN=$($CURL -b "$DIR/cpa-cookies" -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" \
  -d '{"name":"cpa","expires_days":1}' "$WEB/api/v1/api-tokens" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
export MAMORI_TOKEN=$TOKEN
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
# Settle: start-up work (a re-grade, if any) done, serve idle twice in a row.
idle=0; last=$(ticks); while [ $idle -lt 2 ]; do sleep 2; now=$(ticks); if [ $((now-last)) -le 2 ]; then idle=$((idle+1)); else idle=0; fi; last=$now; done
for page in "" /trend /rules; do
  for _ in 1 2 3; do $CURL -o /dev/null -H "Authorization: Bearer $TOKEN" "$WEB/api/v1/orgs/1$page"; done
  t0=$(ticks); l=$(cut -d' ' -f1 /proc/loadavg)
  r=$(PACE_MS=0 wrk -t1 -c1 -d${DUR}s --timeout 10s -s "$HERE/console_wrk.lua" "$WEB/api/v1/orgs/1$page" | grep '^wrk_result')
  t1=$(ticks)
  n=$(echo "$r" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
  echo "orgs/1$page load=$l answers=$n serve_cpu_ms_per_answer=$(echo "$t0 $t1 $n" | awk '{printf "%.2f", ($2-$1)*10/$3}') $(echo "$r" | sed 's/wrk_result //' | cut -d' ' -f1-3)"
done
echo "VmHWM=$(awk '/^VmHWM/ {print int($2/1024)}' /proc/$PID/status) load=$(cut -d' ' -f1 /proc/loadavg)"
