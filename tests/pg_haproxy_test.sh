#!/usr/bin/env bash
# Two stateless collectors behind HAProxy on one PostgreSQL (issue #17):
# AGENTS (1,000) simulated agents (mamori-loadgen) report through HAProxy
# (TCP mode, TLS health checks on the collectors' gRPC ports) while
#   1. one collector is killed with SIGKILL in the middle of the first
#      reports and started again on its port, and
#   2. PostgreSQL is restarted (pg_ctl restart, fast: every session cut) in
#      the middle of the steady reports.
# The load generator retries failed calls as agents do (--retry-errors) and
# writes every report id it got acknowledged. Passes when every phase ends
# with every report acknowledged and the database holds exactly the
# acknowledged report ids: 0 lost, 0 doubled (also counted through the
# hosts' reports_stored and the history rows).
#
#   tests/pg_haproxy_test.sh COLLECTOR LOADGEN ROOT
#
# Starts its own PostgreSQL cluster (scripts/pg-cluster.sh; restarting it
# must not disturb other tests), HAProxy from Debian as an unprivileged user
# with a configuration written here, and the collectors on loopback; all are
# stopped at exit. About 30-60 s on 2 shared cores.
set -euo pipefail

COLLECTOR=$(realpath "$1")
LOADGEN=$(realpath "$2")
ROOT=$(realpath "$3")
AGENTS=${AGENTS:-1000}
PACKAGES=${PACKAGES:-150}
ROUNDS=${ROUNDS:-2}

command -v haproxy >/dev/null || { echo "FAIL: no haproxy (scripts/bootstrap.sh)"; exit 1; }
command -v psql >/dev/null || { echo "FAIL: no psql (scripts/bootstrap.sh)"; exit 1; }

WORK=$(mktemp -d /tmp/mamori-pg-haproxy.XXXXXX)
PG_DIR=""
HAPROXY_PID=""
HA_DIR=""
declare -A SERVE_PID=()

cleanup() {
  local rc=$?
  for n in "${!SERVE_PID[@]}"; do kill -9 "${SERVE_PID[$n]}" 2>/dev/null || true; done
  [[ -n "$HAPROXY_PID" ]] && kill "$HAPROXY_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  [[ -n "$PG_DIR" ]] && "$ROOT/scripts/pg-cluster.sh" stop "$PG_DIR" || true
  if [[ $rc -ne 0 ]]; then
    echo "--- logs ($WORK)"
    tail -n 15 "$WORK"/*.log 2>/dev/null || true
  fi
  rm -rf "$WORK"
  [[ -n "$HA_DIR" ]] && rm -rf "$HA_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "FAIL: $*"; exit 1; }

# A free loopback TCP port (the kernel's choice, released at once).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

PG_DIR=$("$ROOT/scripts/pg-cluster.sh" start)
eval "$("$ROOT/scripts/pg-cluster.sh" env "$PG_DIR")"
URL=$MAMORI_TEST_PG_URL
sql() { psql "$URL" -XAtqc "$1"; }

"$COLLECTOR" init --data "$WORK/data" --store "$URL" --org acme >"$WORK/init.log" 2>&1 ||
  fail "init --store (see init.log)"

# serve N PORT: a collector on 127.0.0.1:PORT (0 = any), pid in SERVE_PID[N],
# the bound port in $WORK/port-N. The enrollment and per-peer limits are
# raised: 1,000 agents enroll at once, and behind HAProxy every connection
# comes from HAProxy's address.
serve() {
  local n=$1 port=$2
  rm -f "$WORK/port-$n"
  "$COLLECTOR" serve --data "$WORK/data" --store "$URL" --grpc "127.0.0.1:$port" \
    --port-file "$WORK/port-$n" --enroll-burst 100000 --enroll-per-minute 1000000 \
    --max-conns-per-peer 0 --log-level warning >>"$WORK/serve-$n.log" 2>&1 &
  SERVE_PID[$n]=$!
  for _ in $(seq 1 200); do
    [[ -s "$WORK/port-$n" ]] && return 0
    kill -0 "${SERVE_PID[$n]}" 2>/dev/null || fail "collector $n exited at start"
    sleep 0.05
  done
  fail "collector $n did not start"
}
serve 1 0
serve 2 0
PORT1=$(cat "$WORK/port-1")
PORT2=$(cat "$WORK/port-2")

# HAProxy: TCP mode (TLS passes through to the collectors, which hold the
# certificate), round robin, a TLS handshake with ALPN h2 as the health check
# every 500 ms; a connection to a dead collector is re-dispatched to the
# other one.
FRONT=$(free_port)
# Its own directory, readable by the unprivileged user HAProxy runs as.
HA_DIR=$(mktemp -d /tmp/mamori-haproxy.XXXXXX)
chmod 0755 "$HA_DIR"
cat >"$HA_DIR/haproxy.cfg" <<EOF
global
  maxconn 2000
defaults
  mode tcp
  timeout connect 2s
  timeout client 5m
  timeout server 5m
  retries 3
  option redispatch
frontend agents
  bind 127.0.0.1:$FRONT
  default_backend collectors
backend collectors
  balance roundrobin
  default-server check check-ssl verify none check-alpn h2 inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
  server collector1 127.0.0.1:$PORT1
  server collector2 127.0.0.1:$PORT2
EOF
chmod 0644 "$HA_DIR/haproxy.cfg"
haproxy -c -f "$HA_DIR/haproxy.cfg" >"$WORK/haproxy-check.log" 2>&1 ||
  fail "haproxy rejected the configuration: $(cat "$WORK/haproxy-check.log")"
if [[ "$(id -u)" -eq 0 ]]; then
  runuser -u nobody -- haproxy -db -f "$HA_DIR/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
else
  haproxy -db -f "$HA_DIR/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
fi
HAPROXY_PID=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$FRONT") 2>/dev/null && break
  kill -0 "$HAPROXY_PID" 2>/dev/null || fail "haproxy exited at start"
  sleep 0.05
done
sleep 1.2  # both servers pass their first health checks (rise 2 x 500 ms)

TOKEN=$("$COLLECTOR" token create --org acme --quiet --data "$WORK/data" --store "$URL")
LG=(--server "127.0.0.1:$FRONT" --ca "$WORK/data/pki/ca.crt" --connections 16
    --in-flight 4 --retry-errors --retry-seconds 90 --acked "$WORK/acked")

reports() { sql "SELECT count(*) FROM reports"; }
# Waits until the database holds at least $1 reports (at most 60 s).
wait_reports() {
  for _ in $(seq 1 600); do
    [[ $(reports) -ge $1 ]] && return 0
    sleep 0.1
  done
  fail "fewer than $1 reports stored after 60 s"
}

# --- 1. first reports; collector 1 killed with SIGKILL mid-run, restarted
"$LOADGEN" first "${LG[@]}" --token "$TOKEN" --agents "$AGENTS" --packages "$PACKAGES" \
  --out "$WORK/agents" >"$WORK/first.log" 2>&1 &
LOAD=$!
wait_reports $((AGENTS / 4))
before_kill=$(reports)
kill -9 "${SERVE_PID[1]}"
wait "${SERVE_PID[1]}" 2>/dev/null || true
sleep 1
serve 1 "$PORT1"
wait "$LOAD" || fail "loadgen first failed: $(cat "$WORK/first.log")"
cat "$WORK/first.log"
grep -q "acked=$AGENTS sent=$AGENTS" "$WORK/first.log" || fail "not every first report acknowledged"
[[ $before_kill -lt $AGENTS ]] || fail "the kill came after the last first report ($before_kill)"
echo "collector 1 killed with $before_kill of $AGENTS first reports stored"

# --- 2. steady reports; PostgreSQL restarted mid-run
base=$(reports)
"$LOADGEN" steady "${LG[@]}" --agents-file "$WORK/agents" --rounds "$ROUNDS" \
  >"$WORK/steady.log" 2>&1 &
LOAD=$!
wait_reports $((base + AGENTS / 2))
before_restart=$(reports)
"$ROOT/scripts/pg-cluster.sh" restart "$PG_DIR"
wait "$LOAD" || fail "loadgen steady failed: $(cat "$WORK/steady.log")"
cat "$WORK/steady.log"
total=$((AGENTS * ROUNDS))
grep -q "acked=$total sent=$total" "$WORK/steady.log" || fail "not every steady report acknowledged"
[[ $before_restart -lt $((base + total)) ]] ||
  fail "the restart came after the last steady report ($before_restart)"
echo "PostgreSQL restarted with $((before_restart - base)) of $total steady reports stored"

# --- the database holds exactly what was acknowledged
acked=$(wc -l <"$WORK/acked")
expected=$((AGENTS * (1 + ROUNDS)))
[[ $acked -eq $expected ]] || fail "$acked report ids acknowledged, expected $expected"
sort "$WORK/acked" >"$WORK/acked.sorted"
[[ -z $(uniq -d "$WORK/acked.sorted") ]] || fail "a report id acknowledged twice"
sql "SELECT report_id FROM reports" | sort >"$WORK/stored.sorted"
lost=$(comm -23 "$WORK/acked.sorted" "$WORK/stored.sorted" | wc -l)
extra=$(comm -13 "$WORK/acked.sorted" "$WORK/stored.sorted" | wc -l)
stored=$(reports)
distinct=$(sql "SELECT count(DISTINCT report_id) FROM reports")
counted=$(sql "SELECT coalesce(sum(reports_stored), 0) FROM hosts")
hosts=$(sql "SELECT count(*) FROM hosts")
echo "acknowledged=$acked stored=$stored distinct=$distinct hosts_reports_stored=$counted" \
  "lost=$lost unacknowledged_stored=$extra hosts=$hosts"
[[ $lost -eq 0 ]] || fail "$lost acknowledged reports are not in the database"
[[ $extra -eq 0 ]] || fail "$extra stored reports were never acknowledged"
[[ $stored -eq $expected && $distinct -eq $expected ]] || fail "reports doubled or lost"
[[ $counted -eq $expected ]] || fail "hosts.reports_stored sums to $counted, expected $expected"
[[ $hosts -eq $AGENTS ]] || fail "$hosts hosts, expected $AGENTS"
# Each steady report changes the antivirus family: one history row each, so a
# report applied twice would show here even if its id were stored once.
av_history=$(sql "SELECT count(*) FROM fact_history WHERE family = 'antivirus'")
[[ $av_history -eq $expected ]] ||
  fail "$av_history antivirus history rows, expected $expected (one per report)"

# Both collectors served: HAProxy's round robin spread the load.
for n in 1 2; do kill -0 "${SERVE_PID[$n]}" 2>/dev/null || fail "collector $n died"; done
echo "PASS: $AGENTS agents through HAProxy, a collector SIGKILLed and PostgreSQL restarted: 0 lost, 0 doubled"
