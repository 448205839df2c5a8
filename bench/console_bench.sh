#!/bin/sh
# Web console latency under ingest (issue #14; figures for
# docs/performance.md "Web console").
#
#   BUILD=build bench/console_bench.sh                      # 10,000 hosts × 1,500 packages
#   BUILD=build AGENTS=500 DURATION=5 bench/console_bench.sh  # a short run
#   KEEP=/tmp/console-bench BUILD=build bench/console_bench.sh  # keep the store
#   KEEP=/tmp/console-bench COLLECTOR=/path/to/other/mamori-collector \
#     SKIP='software_.*' BUILD=build bench/console_bench.sh    # before/after
#   PG_DURABLE=1 scripts/pg-cluster.sh run -- \
#     bench/console_bench.sh --store "postgresql://…"          # on PostgreSQL
#
# --store URL (or STORE=URL) serves from that store (an empty PostgreSQL
# database: `init --store` makes its schema) instead of SQLite in the data
# directory; db_mib is then the database's size (pg_database_size).
#
# A collector is initialised in a temporary directory and served with gRPC
# and the console (HTTPS, the collector's certificate) on free ports.
# mamori-loadgen enrolls AGENTS (10,000) agents, each sending a first report
# with PACKAGES (1,500) packages, and the organisation is graded. The admin
# logs in with the one-time password, changes it and creates an API token
# (what a script would use); wrk (Debian) then sends requests with
# bench/console_wrk.lua (Authorization: Bearer) to each console resource in
# turn for DURATION seconds: CONNECTIONS (4) connections, each waiting
# PACE_MS (50) between its requests, so the console is busy the way a room
# of people clicking is, not saturated; the same resources once more with
# PACE_MS=0 give what one connection gets back to back (throughput).
# Meanwhile mamori-loadgen sends steady reports round after round (each
# round: every agent one report). Before and after the console phase the
# same rounds run without console load: the ingest rate's ratio
# loaded / unloaded is the "keeps ≥ 90 %" figure. The collector's RSS is
# sampled every second during the console phase (peak), printed after each
# resource's phase (rss_mib=, which page raises it) and VmHWM is read at
# the end. The load average is printed beside each phase: the machine is
# shared.
set -eu
STORE=${STORE:-}
if [ "${1:-}" = "--store" ]; then STORE=${2:?--store needs a URL}; shift 2; fi
BUILD=${BUILD:-build}
AGENTS=${AGENTS:-10000}
PACKAGES=${PACKAGES:-1500}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-4}
PACE_MS=${PACE_MS:-50}
BASE_ROUNDS=${BASE_ROUNDS:-3}
COLLECTOR=${COLLECTOR:-$BUILD/collector/mamori-collector}
LOADGEN=${LOADGEN:-$BUILD/bench/mamori-loadgen}
HERE=$(cd "$(dirname "$0")" && pwd)
# KEEP=DIR keeps the populated store in DIR, and a later run with the same
# KEEP starts from it (skips the first reports): before/after comparisons
# on one store.
KEEP=${KEEP:-}
if [ -n "$KEEP" ]; then DIR=$KEEP; mkdir -p "$DIR"; else DIR=$(mktemp -d /tmp/mamori-console-bench.XXXXXX); fi
rm -f "$DIR/stop" "$DIR/port" "$DIR/web-port" "$DIR/peak" "$DIR/cookies"
REUSED=0; [ -s "$DIR/agents" ] && [ -s "$DIR/password" ] && REUSED=1
PID=
INGEST=
SAMPLER=
cleanup() {
  touch "$DIR/stop" 2>/dev/null || true
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$KEEP" ] || rm -rf "$DIR"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "console_bench: wrk missing (scripts/bootstrap.sh)" >&2; exit 2; }
load() { cut -d' ' -f1 /proc/loadavg; }
rss() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$PID/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
# Waits until the collector has been idle (≤ 20 ms CPU per 2 s) three
# times in a row, at most $1 seconds: the debounced re-grade has run.
wait_idle() {
  idle=0; last=$(ticks); start=$(date +%s)
  while [ "$idle" -lt 3 ] && [ $(( $(date +%s) - start )) -lt "$1" ]; do
    sleep 2; now=$(ticks)
    if [ $((now - last)) -le 2 ]; then idle=$((idle + 1)); else idle=0; fi
    last=$now
  done
}

STORE_ARGS=
[ -n "$STORE" ] && STORE_ARGS="--store $STORE"
db_mib() {
  if [ -n "$STORE" ]; then
    psql "$STORE" -XAtc "SELECT pg_database_size(current_database()) / 1048576"
  else
    du -sm "$DIR/data" | cut -f1
  fi
}
if [ "$REUSED" = 0 ]; then
  rm -rf "$DIR/data" "$DIR/agents"
  "$COLLECTOR" init --data "$DIR/data" $STORE_ARGS --org bench >"$DIR/init.txt"
  sed -n 's/.*one-time password.*): \([^ ]*\)$/\1/p' "$DIR/init.txt" >"$DIR/password"
fi
PASSWORD=$(cat "$DIR/password")
"$COLLECTOR" serve --data "$DIR/data" $STORE_ARGS --grpc 127.0.0.1:0 --port-file "$DIR/port" \
  --web 127.0.0.1:0 --web-port-file "$DIR/web-port" \
  --enroll-burst 100000 --enroll-per-minute 1000000 --log-level warning \
  --max-conns-per-peer 64 --host-reports-per-hour 1000000 --org-mib-per-day 1000000 >"$DIR/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do [ -s "$DIR/web-port" ] && break; sleep 0.1; done
SERVER=127.0.0.1:$(cat "$DIR/port")
WEB=https://127.0.0.1:$(cat "$DIR/web-port")
TOKEN=$("$COLLECTOR" token create --org bench --quiet --data "$DIR/data" $STORE_ARGS)
COMMON="--server $SERVER --ca $DIR/data/pki/ca.crt --server-pid $PID"

echo "load_before=$(load)"
if [ "$REUSED" = 0 ]; then
  # First reports in batches of BATCH (2,000): the load generator serializes a
  # batch before sending it (≈110 KB a report), so a batch bounds its memory.
  done_agents=0
  while [ "$done_agents" -lt "$AGENTS" ]; do
    n=$((AGENTS - done_agents)); [ "$n" -gt "${BATCH:-2000}" ] && n=${BATCH:-2000}
    "$LOADGEN" first $COMMON --token "$TOKEN" --agents "$n" --offset "$done_agents" \
      --packages "$PACKAGES" --out "$DIR/agents" | sed "s/^phase=first/phase=first load=$(load)/"
    done_agents=$((done_agents + n))
  done
fi
wait_idle 600
if [ -n "$STORE" ]; then
  # On PostgreSQL the check queries run in the database while the collector
  # waits on them: idle CPU is no sign. The re-grade queue empties once the
  # organisation is graded.
  start=$(date +%s)
  while [ "$(psql "$STORE" -XAtc 'SELECT count(*) FROM regrade_queue')" != 0 ] &&
    [ $(( $(date +%s) - start )) -lt 1200 ]; do sleep 2; done
fi
echo "stored hosts=$(wc -l < "$DIR/agents") packages_per_host=$PACKAGES" \
  "db_mib=$(db_mib) rss_mib=$(rss) load=$(load)"

# The admin's first login, password change and an API token, as a person
# and then a script would do it.
CURL="curl -sS --cacert $DIR/data/pki/ca.crt -b $DIR/cookies -c $DIR/cookies"
$CURL -H 'Content-Type: application/json' \
  -d "{\"name\":\"admin\",\"password\":\"$PASSWORD\"}" "$WEB/api/v1/session" >"$DIR/session.json"
CSRF=$(sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' "$DIR/session.json")
if [ "$REUSED" = 0 ]; then
  NEW_PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  $CURL -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" \
    -d "{\"current_password\":\"$PASSWORD\",\"new_password\":\"$NEW_PASSWORD\"}" \
    "$WEB/api/v1/session/password" >"$DIR/session.json"
  echo "$NEW_PASSWORD" >"$DIR/password"
  CSRF=$(sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' "$DIR/session.json")
fi
CSRF=$(sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' "$DIR/session.json")
API_TOKEN=$($CURL -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" \
  -d '{"name":"console-bench","expires_days":1}' "$WEB/api/v1/api-tokens" |
  sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$API_TOKEN" ] || { echo "console_bench: no API token" >&2; exit 1; }
export MAMORI_TOKEN="$API_TOKEN"
AUTH="Authorization: Bearer $API_TOKEN"
ORG=$(curl -sS --cacert "$DIR/data/pki/ca.crt" -H "$AUTH" "$WEB/api/v1/orgs" |
  sed -n 's/^{"items":\[{[^}]*"id":\([0-9]*\).*/\1/p')
[ -n "$ORG" ] || ORG=1
HOST=$(curl -sS --cacert "$DIR/data/pki/ca.crt" -H "$AUTH" \
  "$WEB/api/v1/orgs/$ORG/endpoints?limit=1&sort=hostname&order=desc" |
  sed -n 's/^{"items":\[{[^}]*"id":\([0-9]*\).*/\1/p')
[ -n "$HOST" ] || HOST=1

# name path: each console resource measured (the page's own API call), and
# a static asset from the same server.
cat >"$DIR/targets" <<EOF
static /app.css
dashboard /api/v1/orgs/$ORG
trend /api/v1/orgs/$ORG/trend
endpoints_first_page /api/v1/orgs/$ORG/endpoints
endpoints_filtered_os /api/v1/orgs/$ORG/endpoints?os=Debian
endpoints_filtered_rule /api/v1/orgs/$ORG/endpoints?failing_rule=software_updates
endpoints_filtered_rule_all /api/v1/orgs/$ORG/endpoints?failing_rule=antivirus
endpoints_search /api/v1/orgs/$ORG/endpoints?q=pc-99
endpoints_sorted_failing /api/v1/orgs/$ORG/endpoints?sort=failing&order=desc
endpoints_sorted_last_seen /api/v1/orgs/$ORG/endpoints?sort=last_seen&order=desc
endpoint_detail /api/v1/orgs/$ORG/endpoints/$HOST
endpoint_software /api/v1/orgs/$ORG/endpoints/$HOST/software
software_org_wide /api/v1/orgs/$ORG/software
software_search /api/v1/orgs/$ORG/software?q=office
software_eos_only /api/v1/orgs/$ORG/software?eos=true
software_ledger /api/v1/orgs/$ORG/software/ledger
rules /api/v1/orgs/$ORG/rules
EOF
# SKIP=REGEX leaves out the targets whose name matches (e.g. a "before"
# build whose software view takes minutes).
if [ -n "${SKIP:-}" ]; then
  grep -Ev "^(${SKIP}) " "$DIR/targets" >"$DIR/targets.kept" || true
  mv "$DIR/targets.kept" "$DIR/targets"
fi
while read -r name path; do
  code=$(curl -sS -o "$DIR/body" -w '%{http_code} %{size_download}' \
    --cacert "$DIR/data/pki/ca.crt" -H "$AUTH" "$WEB$path")
  echo "check $name status_bytes=$code"
done <"$DIR/targets"

# Report ids are "steady-ROUND-AGENT": rounds numbered from the clock so
# that a later run on a kept store (KEEP) sends new reports, not duplicates.
BASE=$(( $(date +%s) % 100000 * 10000 ))
ROUND=$((BASE + 1))
ingest_rounds() {  # $1 label, $2 rounds
  "$LOADGEN" steady $COMMON --agents-file "$DIR/agents" --packages "$PACKAGES" \
    --rounds "$2" --first-round "$ROUND" |
    sed -n "s/^phase=steady/phase=steady_$1 load=$(load)/p"
  ROUND=$((ROUND + $2))
}
wrk_all() {  # $1 label; PACE_MS from the environment
  while read -r name path; do
    l=$(load)
    result=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s \
      -s "$HERE/console_wrk.lua" "$WEB$path" | grep '^wrk_result' | sed 's/^wrk_result //')
    # rss_mib: serve's RSS right after the resource's phase (which phase
    # raises it, for the RSS target).
    echo "console_$1 $name load=$l $result rss_mib=$(rss)"
  done <"$DIR/targets"
}

# Ingest without console load, then with it, then without again.
ingest_rounds alone "$BASE_ROUNDS"
# Steady rounds until the console phase ends (the round under way then is
# finished, so every line is a whole round).
(
  r=$((BASE + 1000))
  while [ ! -e "$DIR/stop" ]; do
    "$LOADGEN" steady $COMMON --agents-file "$DIR/agents" --packages "$PACKAGES" \
      --rounds 1 --first-round "$r" | sed -n "s/^phase=steady/phase=steady_with_console/p"
    r=$((r + 1))
  done
) >"$DIR/ingest-loaded.txt" &
INGEST=$!
(
  peak=0
  while kill -0 "$PID" 2>/dev/null; do
    r=$(rss); [ "$r" -gt "$peak" ] && { peak=$r; echo "$peak" >"$DIR/peak"; }
    sleep 1
  done
) &
SAMPLER=$!
PACE_MS=$PACE_MS wrk_all paced
touch "$DIR/stop"
wait "$INGEST" || true
INGEST=
cat "$DIR/ingest-loaded.txt"
ROUND=$((BASE + 5000))
ingest_rounds alone_after "$BASE_ROUNDS"
# Back to back, one connection: the most one caller gets (no ingest).
CONNECTIONS=1 PACE_MS=0 wrk_all back_to_back
kill "$SAMPLER" 2>/dev/null || true
echo "rss_peak_console_phase_mib=$(cat "$DIR/peak" 2>/dev/null || rss)" \
  "rss_now_mib=$(rss) $(grep -E 'VmHWM' "/proc/$PID/status" | tr -s ' \t' ' ') load=$(load)"
