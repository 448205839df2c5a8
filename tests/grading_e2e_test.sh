#!/usr/bin/env bash
# End to end, real processes: mamori-collector init + serve (TLS, port 0),
# mamori-agent enroll + once collecting from the fixture root e2e-bad (old
# ClamAV definitions, usb-storage allowed, a WEP profile), then
# `mamori-collector grade` must show those failures with their values; the
# agent then reports from e2e-good (fresh definitions, usb-storage blocked,
# WPA2 only) and the grades of those rules must rise. After each report,
# `mamori-agent check` on the same tree (no collector) must give the
# collector's status for every check it can judge (issue #18).
#
# Usage: tests/grading_e2e_test.sh COLLECTOR_BIN AGENT_BIN SOURCE_DIR
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
[[ -n "${KEEP_E2E:-}" ]] && trap - EXIT && echo "keeping $tmp"
fail() { echo "FAIL: $*" >&2; [[ -f "$tmp/serve.log" ]] && tail -20 "$tmp/serve.log" >&2; exit 1; }

"$COLLECTOR" init --data "$tmp/data" --org e2e >/dev/null
"$COLLECTOR" serve --data "$tmp/data" --grpc 127.0.0.1:0 --port-file "$tmp/port" \
  >"$tmp/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 200); do [[ -s "$tmp/port" ]] && break; sleep 0.05; done
[[ -s "$tmp/port" ]] || fail "serve did not write its port"
port=$(tr -d '[:space:]' <"$tmp/port")
token=$("$COLLECTOR" token create --data "$tmp/data" --org e2e --quiet)

# One PC before and after remediation: both fixture trees get the same
# machine id, the one enrolled (the collector refuses reports whose identity
# contradicts the enrolled machine's: a copied state directory, #13.10).
prepare_root() {  # $1 = fixture name
  rm -rf "$tmp/root"
  cp -r "$SRC/tests/fixtures/linux/$1" "$tmp/root"
  echo 0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e >"$tmp/root/etc/machine-id"
}
prepare_root e2e-bad
"$AGENT" enroll --state "$tmp/agent" --server "127.0.0.1:$port" --token "$token" \
  --ca "$tmp/data/pki/ca.crt" --root "$tmp/root" >/dev/null || fail "enroll"

report() {  # $1 = fixture name
  prepare_root "$1"
  if [[ "$1" == e2e-good ]]; then
    "$SRC/tests/fixtures/linux/make_fresh_cvd.sh" "$tmp/root" 1 >/dev/null
  fi
  # Exit 3 means "queued, collector busy": honour it and retry like the agent would.
  local rc=0
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    rc=0
    "$AGENT" once --state "$tmp/agent" --root "$tmp/root" >"$tmp/once.log" 2>&1 || rc=$?
    [[ $rc -eq 3 ]] || break
    sleep 1
  done
  [[ $rc -eq 0 ]] || fail "agent once from $1 (exit $rc): $(cat "$tmp/once.log")"
}

# Reads a grade report (JSON) and prints "rule grade" lines and
# "check status evidence" lines for the single host.
summarise() {
  python3 - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for rule in r["rules"]:
    print("rule", rule["rule"], rule["grade"])
    for c in rule["checks"]:
        for res in c["results"]:
            ev = " ".join(f"{k}={v}" for k, v in sorted(res["evidence"].items()))
            print("check", c["id"], res["status"], ev)
EOF
}

# The self-check's statuses against the collector's grade JSON for the one
# host: equal for every check, except "needs_collector" ones (fleet data).
# $1 = grade JSON, $2 = check JSON, $3 = check's exit code.
same_as_collector() {
  python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
grade = json.load(open(sys.argv[1]))
local = json.load(open(sys.argv[2]))
collector = {}
for rule in grade["rules"]:
    for c in rule["checks"]:
        for res in c["results"]:
            collector[c["id"]] = res["status"]
mine = {c["id"]: c["status"] for r in local["rules"] for c in r["checks"]}
mine.update({c["id"]: c["status"] for c in local["topics"]})
bad = [f"{k}: collector {v}, self-check {mine.get(k)}" for k, v in sorted(collector.items())
       if mine.get(k) not in (v, "needs_collector")]
judged = sum(1 for k in collector if mine.get(k) != "needs_collector")
if bad or judged < 10:
    sys.exit("self-check differs from the collector (%d judged): %s" % (judged, "; ".join(bad)))
fails = any(c["status"] == "fail" for r in local["rules"] for c in r["checks"])
if fails != (sys.argv[3] == "1"):
    sys.exit("exit code %s but failing checks: %s" % (sys.argv[3], fails))
print("self-check equals the collector on %d checks" % judged)
EOF
}
self_check() {  # $1 = output JSON; the tree is $tmp/root as just reported
  local rc=0
  "$AGENT" check --root "$tmp/root" --format json >"$1" 2>"$tmp/check.err" || rc=$?
  [[ $rc -le 3 ]] || fail "mamori-agent check (exit $rc): $(cat "$tmp/check.err")"
  echo "$rc"
}

report e2e-bad
# The collector re-grades by itself once a report commits (debounced ~2 s):
# results and a grade snapshot appear without anyone running `grade`.
graded=0
for _ in $(seq 1 100); do
  graded=$(/usr/bin/python3 -c 'import sqlite3,sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("SELECT count(*) FROM grade_history").fetchone()[0])' "$tmp/data/collector.db")
  [[ "$graded" -gt 0 ]] && break
  sleep 0.1
done
[[ "$graded" -gt 0 ]] || fail "serve did not re-grade after the report was stored"
"$COLLECTOR" grade --data "$tmp/data" --org e2e --format json >"$tmp/bad.json"
"$COLLECTOR" grade --data "$tmp/data" --org e2e --lang en >"$tmp/bad.txt"
summarise "$tmp/bad.json" >"$tmp/bad.sum"
grep -q '^check antivirus_definitions_fresh fail .*definitions_age_hours=[0-9]' "$tmp/bad.sum" ||
  fail "old ClamAV definitions not failed with their age: $(grep antivirus "$tmp/bad.sum")"
grep -q '^check usb_storage_restricted fail .*effective_policy=allowed' "$tmp/bad.sum" ||
  fail "usb-storage allowed not failed: $(grep usb "$tmp/bad.sum")"
grep -q '^check wifi_secure fail .*weak_networks=OfficeOld=wep' "$tmp/bad.sum" ||
  fail "WEP profile not failed: $(grep wifi "$tmp/bad.sum")"
grep -q 'definitions_age_hours=' "$tmp/bad.txt" || fail "text report lacks the definitions age"
grep -q 'OfficeOld=wep' "$tmp/bad.txt" || fail "text report lacks the WEP network"
rc=$(self_check "$tmp/bad.check.json")
same_as_collector "$tmp/bad.json" "$tmp/bad.check.json" "$rc" || fail "self-check on e2e-bad"

report e2e-good
"$COLLECTOR" grade --data "$tmp/data" --org e2e --format json >"$tmp/good.json"
summarise "$tmp/good.json" >"$tmp/good.sum"
rc=$(self_check "$tmp/good.check.json")
same_as_collector "$tmp/good.json" "$tmp/good.check.json" "$rc" || fail "self-check on e2e-good"
for check in antivirus_definitions_fresh usb_storage_restricted wifi_secure; do
  grep -q "^check $check pass" "$tmp/good.sum" ||
    fail "$check did not pass after the fix: $(grep "$check" "$tmp/good.sum")"
done
# wifi and removable_media rest on one check each, so they rise from D (absent)
# to C (technical measure in place). antivirus stays: under --root the agent
# cannot tell whether the scanner runs, so antivirus_active is unknown — and
# unknown is never a pass.
for rule in wifi removable_media; do
  before=$(awk -v r="$rule" '$1=="rule" && $2==r {print $3}' "$tmp/bad.sum")
  after=$(awk -v r="$rule" '$1=="rule" && $2==r {print $3}' "$tmp/good.sum")
  # Letters sort A < B < C < D: a rise is a smaller letter.
  [[ "$after" < "$before" ]] || fail "grade of $rule did not rise: $before -> $after"
  echo "$rule: $before -> $after"
done
grep -q '^check antivirus_active unknown' "$tmp/good.sum" ||
  fail "antivirus_active under --root: $(grep antivirus_active "$tmp/good.sum")"
echo "PASS"
