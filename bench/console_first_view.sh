#!/bin/sh
# The console's graded pages after a restart, without ingest (issue #14;
# docs/performance.md "Web console", third pass): serves a store kept by
# bench/console_bench.sh (KEEP=DIR), logs in as its admin and fetches the
# dashboard, trend, rules and ledger 11 times each in a row with curl: the
# first answer (max) is what a page costs when nothing is kept yet, the
# median what it costs from the copy. VmHWM is serve's peak RSS.
#
#   bench/console_first_view.sh /tmp/console-bench [path/to/mamori-collector]
set -eu
DIR=$1
COLLECTOR=${2:-build/collector/mamori-collector}
[ -s "$DIR/password" ] || { echo "console_first_view: $DIR is not a kept bench store" >&2; exit 2; }
rm -f "$DIR/port" "$DIR/web-port" "$DIR/first-view-cookies"
"$COLLECTOR" serve --data "$DIR/data" --grpc 127.0.0.1:0 --port-file "$DIR/port" \
  --web 127.0.0.1:0 --web-port-file "$DIR/web-port" --log-level warning \
  >"$DIR/first-view.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$DIR/web-port" ] && break; sleep 0.1; done
WEB=https://127.0.0.1:$(cat "$DIR/web-port")
CURL="curl -sS --cacert $DIR/data/pki/ca.crt"
$CURL -c "$DIR/first-view-cookies" -H 'Content-Type: application/json' \
  -d "{\"name\":\"admin\",\"password\":\"$(cat "$DIR/password")\"}" \
  "$WEB/api/v1/session" >/dev/null
sleep 5
for page in "" /trend /rules /software/ledger; do
  for _ in 1 2 3 4 5 6 7 8 9 10 11; do
    $CURL -o /dev/null -w '%{time_total}\n' -b "$DIR/first-view-cookies" \
      "$WEB/api/v1/orgs/1$page"
  done | sort -n | awk -v p="orgs/1$page" \
    '{a[NR] = $1} END {printf "%s median_ms=%.1f max_ms=%.1f\n", p, a[6] * 1000, a[NR] * 1000}'
done
echo "rss_mib=$(awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$PID/status")" \
  "$(grep VmHWM "/proc/$PID/status" | tr -s ' \t' ' ') load=$(cut -d' ' -f1 /proc/loadavg)"
