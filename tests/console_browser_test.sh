#!/usr/bin/env bash
# Browser tests of the web console (#14), real processes end to end:
# mamori-collector init + serve (gRPC TLS and the console over HTTPS, both
# on port 0), two organisations, this machine's agent and an agent reporting
# from a fixture root whose host name is an XSS string enrolled into the
# first, an agent from another fixture root in the second, a viewer account
# of the second; then web/tests/browser.mjs drives Debian's chromium
# (playwright-core) through the console, and the token it creates in the
# browser must enroll an agent. Screenshots: OUT_DIR (build/console-screenshots).
#
# Usage: tests/console_browser_test.sh COLLECTOR_BIN AGENT_BIN SOURCE_DIR OUT_DIR
# Bounded: every wait has a limit; the whole test takes about 30-60 s.
set -euo pipefail
COLLECTOR=$1
AGENT=$2
SRC=$3
OUT=$4
tmp=$(mktemp -d)
serve_pid=
cleanup() {
  if [[ -n "$serve_pid" ]]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f "$tmp/serve.log" ]] && tail -20 "$tmp/serve.log" >&2; exit 1; }

ORG_A="テスト株式会社"
ORG_B="other-org"
XSS_HOST='"><img src=x onerror=alert(1)><script>alert(2)</script>'
rm -rf "$OUT"
mkdir -p "$OUT"

"$COLLECTOR" init --data "$tmp/data" --org "$ORG_A" >"$tmp/init.txt"
admin_password=$(sed -n 's/.*one-time password.*): \([^ ]*\)$/\1/p' "$tmp/init.txt")
[[ -n "$admin_password" ]] || fail "init printed no one-time password: $(cat "$tmp/init.txt")"
"$COLLECTOR" org create "$ORG_B" --data "$tmp/data" >/dev/null
viewer_password=$("$COLLECTOR" user add viewer-b --role viewer --org "$ORG_B" --data "$tmp/data" |
  sed -n 's/.*one-time password.*): \([^ ]*\)$/\1/p')
[[ -n "$viewer_password" ]] || fail "user add printed no password"

# Alerts (#20): a mail channel before the agents report, so their failing
# checks queue deliveries; the relay on the discard port refuses, so the
# alerts page shows them waiting for a retry with the error.
"$COLLECTOR" alerts channels add --data "$tmp/data" --org "$ORG_A" --email it@example.jp >/dev/null ||
  fail "alerts channels add"
"$COLLECTOR" serve --data "$tmp/data" --grpc 127.0.0.1:0 --port-file "$tmp/port" \
  --web 127.0.0.1:0 --web-port-file "$tmp/web-port" \
  --smtp-host 127.0.0.1 --smtp-port 9 --smtp-from alerts@example.jp >"$tmp/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 200); do [[ -s "$tmp/web-port" ]] && break; sleep 0.05; done
[[ -s "$tmp/web-port" ]] || fail "serve did not write its web port"
port=$(tr -d '[:space:]' <"$tmp/port")
web_port=$(tr -d '[:space:]' <"$tmp/web-port")

enroll_once() {  # $1 org, $2 state dir, $3 fixture root ('' = this machine)
  local token rc root_args=()
  token=$("$COLLECTOR" token create --data "$tmp/data" --org "$1" --expires 1h --quiet)
  # A fixture root gives the agent its own identity (machine id, no DMI).
  [[ -n "$3" ]] && root_args=(--root "$3")
  "$AGENT" enroll --state "$2" --server "127.0.0.1:$port" --token "$token" \
    --ca "$tmp/data/pki/ca.crt" --config /dev/null "${root_args[@]}" >/dev/null ||
    fail "enroll into $1"
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    rc=0
    "$AGENT" once --state "$2" --config /dev/null "${root_args[@]}" >"$tmp/once.log" 2>&1 || rc=$?
    [[ $rc -eq 3 ]] || break
    sleep 1
  done
  [[ $rc -eq 0 ]] || fail "agent once (exit $rc): $(cat "$tmp/once.log")"
}

enroll_once "$ORG_A" "$tmp/agent-this" ""
cp -r "$SRC/tests/fixtures/linux/e2e-bad" "$tmp/root-xss"
# A package past its end of support (Python 2.7, 2020-01-01), for the
# software view's end-of-support flag; only this copy of the fixture has it.
printf 'Package: python2.7\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.7.18-8\nDescription: Python 2.7 (end of support test)\n' \
  >>"$tmp/root-xss/var/lib/dpkg/status"
printf '%s\n' "$XSS_HOST" >"$tmp/root-xss/etc/hostname"
printf '%s\n' 0123456789abcdef0123456789abcdef >"$tmp/root-xss/etc/machine-id"
enroll_once "$ORG_A" "$tmp/agent-xss" "$tmp/root-xss"
cp -r "$SRC/tests/fixtures/linux/e2e-good" "$tmp/root-b"
printf '%s\n' other-org-secret-pc >"$tmp/root-b/etc/hostname"
printf '%s\n' fedcba9876543210fedcba9876543210 >"$tmp/root-b/etc/machine-id"
enroll_once "$ORG_B" "$tmp/agent-b" "$tmp/root-b"

# Questionnaire answers (the demo's), so the four viewpoints and the
# discrepancies have something to show. serve re-grades 2 s after the last
# report; then `grade` computes the grades the dashboard must show.
# A first evaluation before the answers, so the dashboard's per-rule trend
# has two different states to show.
"$COLLECTOR" grade --data "$tmp/data" --org "$ORG_A" >/dev/null || fail "grade before the answers"
"$COLLECTOR" answers import --data "$tmp/data" --org "$ORG_A" \
  "$SRC/policies/examples/demo_answers.yaml" >/dev/null || fail "answers import"
sleep 3
"$COLLECTOR" grade --data "$tmp/data" --org "$ORG_A" --format json >"$tmp/grades.json"
org_ids=$("$COLLECTOR" org list --data "$tmp/data" --format json | python3 -c '
import json, sys
ids = {o["name"]: o["id"] for o in json.load(sys.stdin)}
print(ids[sys.argv[1]], ids[sys.argv[2]])' "$ORG_A" "$ORG_B")
read -r org_a_id org_b_id <<<"$org_ids"
# Devices without the agent (#20): the agents under --root read no
# neighbour table, so the XSS host's and the other organisation's tables are
# stored as a report would store them (the store's triggers make the
# devices); the collection itself is tests/unmanaged_devices_e2e.sh's.
neigh() {  # $1 machine id, $2 JSON neighbour entries
  sqlite3 "$tmp/data/collector.db" "PRAGMA busy_timeout = 5000;
    INSERT INTO host_facts (org_id, host_id, family, state, collected_at, payload_json, sha256, updated_at)
    SELECT org_id, id, 'neighbours', 'STATUS_OK', strftime('%s'), '{\"source\":\"rtnetlink\",\"neighbours\":[$2]}',
           'browser-test', strftime('%s') FROM hosts WHERE machine_id = '$1'
    ON CONFLICT (host_id, family) DO UPDATE SET state = excluded.state,
      payload_json = excluded.payload_json, collected_at = excluded.collected_at;" ||
    fail "storing the neighbour table of $1"
}
entry() { printf '{\"ip\":\"%s\",\"mac\":\"%s\",\"interface\":\"eth0\",\"state\":\"NEIGHBOUR_STATE_STALE\"}' "$1" "$2"; }
neigh 0123456789abcdef0123456789abcdef \
  "$(entry 192.168.1.50 00:14:22:99:99:99),$(entry 192.168.1.60 00:80:77:12:34:56),$(entry '<img src=x onerror=alert(5)>' 00:80:77:aa:bb:cc)"
neigh fedcba9876543210fedcba9876543210 "$(entry 10.0.0.5 00:14:22:77:77:77)"
fingerprint=$(openssl x509 -in "$tmp/data/pki/ca.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
spki=$(openssl x509 -in "$tmp/data/pki/server.crt" -pubkey -noout |
  openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)

CONSOLE_URL="https://127.0.0.1:$web_port" SHOTS="$OUT" EXPECTED_GRADES="$tmp/grades.json" \
  ORG_A_ID="$org_a_id" ORG_B_ID="$org_b_id" ORG_A_HOSTS=2 XSS_HOST="$XSS_HOST" \
  THIS_HOST="$(hostname)" ADMIN_NAME=admin ADMIN_PASSWORD="$admin_password" \
  VIEWER_NAME=viewer-b VIEWER_PASSWORD="$viewer_password" CA_FINGERPRINT="$fingerprint" \
  SPKI_SHA256="$spki" TOKEN_FILE="$tmp/new-token" timeout 240 node "$SRC/web/tests/browser.mjs" || fail "browser steps"

# The host revoked in the browser: its next report is refused.
rc=0
"$AGENT" once --state "$tmp/agent-xss" --config /dev/null --root "$tmp/root-xss" >"$tmp/once-revoked.log" 2>&1 || rc=$?
[[ $rc -ne 0 ]] || fail "the revoked host's report was accepted"
grep -q "no longer accepts this agent.s key" "$tmp/once-revoked.log" ||
  fail "the revoked host's refusal does not say why: $(cat "$tmp/once-revoked.log")"

# The token the browser created enrolls an agent.
token=$(cat "$tmp/new-token")
cp -r "$SRC/tests/fixtures/linux/e2e-good" "$tmp/root-new"
printf '%s\n' pc-enrolled-from-console >"$tmp/root-new/etc/hostname"
printf '%s\n' 00112233445566778899aabbccddeeff >"$tmp/root-new/etc/machine-id"
"$AGENT" enroll --state "$tmp/agent-new" --server "127.0.0.1:$port" --token "$token" \
  --ca "$tmp/data/pki/ca.crt" --config /dev/null --root "$tmp/root-new" >/dev/null ||
  fail "enroll with the browser's token"
hosts=$("$COLLECTOR" hosts --org "$ORG_A" --data "$tmp/data" --format json |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[[ "$hosts" == 3 ]] || fail "expected 3 hosts after enrolling with the browser's token, got $hosts"
echo "console browser test: passed ($(ls "$OUT" | wc -l) screenshots in $OUT)"
