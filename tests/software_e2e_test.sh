#!/usr/bin/env bash
# End to end, real processes: mamori-collector init + serve (TLS, port 0),
# mamori-agent enroll + once from the fixture root e2e-bad with AnyDesk
# added to its dpkg status; `mamori-collector software` bans remote access
# tools, requires a VPN client and records licences; `grade` must name the
# AnyDesk package as banned evidence and the missing VPN client, and the
# software ledger (CSV) must list the installs against the licences.
#
# Usage: tests/software_e2e_test.sh COLLECTOR_BIN AGENT_BIN SOURCE_DIR
set -euo pipefail
COLLECTOR=$1
AGENT=$2
SRC=$3
tmp=$(mktemp -d)
serve_pid=
cleanup() {
  if [[ -n "$serve_pid" ]]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f "$tmp/serve.log" ]] && tail -20 "$tmp/serve.log" >&2; exit 1; }

"$COLLECTOR" init --data "$tmp/data" --org e2e >/dev/null
"$COLLECTOR" serve --data "$tmp/data" --grpc 127.0.0.1:0 --port-file "$tmp/port" \
  >"$tmp/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 200); do [[ -s "$tmp/port" ]] && break; sleep 0.05; done
[[ -s "$tmp/port" ]] || fail "serve did not write its port"
port=$(tr -d '[:space:]' <"$tmp/port")
token=$("$COLLECTOR" token create --data "$tmp/data" --org e2e --quiet)

cp -r "$SRC/tests/fixtures/linux/e2e-bad" "$tmp/root"
echo 5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e >"$tmp/root/etc/machine-id"
cat >>"$tmp/root/var/lib/dpkg/status" <<'DPKG'

Package: anydesk
Status: install ok installed
Priority: optional
Section: net
Installed-Size: 20000
Maintainer: philandro Software GmbH <support@anydesk.com>
Architecture: amd64
Version: 6.3.2
Description: remote desktop
DPKG

sw() { "$COLLECTOR" software "$@" --data "$tmp/data" --org e2e --actor e2e; }
sw ban --category remote_access >/dev/null || fail "ban"
sw require --category vpn_client >/dev/null || fail "require"
sw licences --title clamav --owned 0 >/dev/null || fail "licences"
# Bad input is refused with a usage error naming it.
rc=0; sw ban --title no_such_title 2>"$tmp/err" || rc=$?
[[ $rc -eq 2 ]] && grep -q 'unknown title "no_such_title"' "$tmp/err" || fail "unknown title: rc=$rc $(cat "$tmp/err")"

"$AGENT" enroll --state "$tmp/agent" --server "127.0.0.1:$port" --token "$token" \
  --ca "$tmp/data/pki/ca.crt" --root "$tmp/root" >/dev/null || fail "enroll"
rc=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
  rc=0
  "$AGENT" once --state "$tmp/agent" --root "$tmp/root" >"$tmp/once.log" 2>&1 || rc=$?
  [[ $rc -eq 3 ]] || break
  sleep 1
done
[[ $rc -eq 0 ]] || fail "agent once (exit $rc): $(cat "$tmp/once.log")"

"$COLLECTOR" grade --data "$tmp/data" --org e2e --format json >"$tmp/grade.json"
python3 - "$tmp/grade.json" >"$tmp/grade.sum" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
groups = r["rules"] + r.get("topics", [])
for g in groups:
    for c in g["checks"]:
        for res in c["results"]:
            ev = " ".join(f"{k}={v}" for k, v in sorted(res["evidence"].items()))
            print("check", c["id"], res["status"], ev)
PY
grep -q '^check software_not_banned fail .*banned_software=anydesk 6.3.2 (anydesk)' "$tmp/grade.sum" ||
  fail "AnyDesk not failed as banned: $(grep software_not_banned "$tmp/grade.sum")"
grep -q '^check required_software_present fail .*missing_software=category vpn_client' "$tmp/grade.sum" ||
  fail "missing VPN client not failed: $(grep required_software "$tmp/grade.sum")"
grep -q '^check licences_within_count fail .*over_deployed=clamav 1/0' "$tmp/grade.sum" ||
  fail "clamav over its licences not failed: $(grep licences "$tmp/grade.sum")"
grep -q '^check software_version_floors not_applicable' "$tmp/grade.sum" ||
  fail "floors without floors: $(grep floors "$tmp/grade.sum")"

sw ledger --format csv --lang en --out "$tmp/ledger.csv" >/dev/null || fail "ledger"
head -c 3 "$tmp/ledger.csv" | od -An -tx1 | grep -q 'ef bb bf' || fail "ledger CSV lacks the BOM"
grep -q '^Remote access tools,AnyDesk,banned (category),1,' "$tmp/ledger.csv" ||
  fail "ledger lacks AnyDesk: $(cat "$tmp/ledger.csv")"
grep -q '^Security products (antivirus),ClamAV,,1,0,1,' "$tmp/ledger.csv" ||
  fail "ledger lacks ClamAV 1/0: $(cat "$tmp/ledger.csv")"
sw ledger --format xlsx --out "$tmp/ledger.xlsx" >/dev/null || fail "xlsx ledger"
[[ $(stat -c %a "$tmp/ledger.xlsx") == 600 ]] || fail "ledger.xlsx is not 0600"
sw history | grep -q 'rule_added  ban category remote_access' || fail "audit trail"
echo "PASS"
