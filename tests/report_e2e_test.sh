#!/usr/bin/env bash
# The report and the evidence pack end to end, real processes (#15):
# mamori-collector init + serve (TLS, port 0), mamori-agent enroll + once
# from the e2e-bad fixture root; `report` (PDF ja/en, HTML) must name the
# organisation, every rule with its grade and the failing host; `evidence
# export` twice with the same --as-of must give identical bytes, `evidence
# verify` must accept the pack with the key `init` printed and name each
# tampering (one CSV byte, a removed file, an added file, a changed manifest,
# a foreign key) and refuse a zip bomb and a `../` path; a pack of one rule
# (--rule) holds only that rule's checks and verifies the same way. The Wi-Fi
# improvement item is tracked (owner, due date, audit); the agent then
# reports from e2e-good, the item closes by itself and the next report says
# what changed.
#
# Usage: tests/report_e2e_test.sh COLLECTOR_BIN AGENT_BIN SOURCE_DIR
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
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in pdftotext python3; do command -v "$tool" >/dev/null || fail "$tool missing"; done

"$COLLECTOR" init --data "$tmp/data" --org e2e-株式会社 >"$tmp/init.txt"
pubhex=$(awk '/signing public key:/ {print $4}' "$tmp/init.txt")
[[ ${#pubhex} -eq 64 ]] || fail "init did not print the signing public key: $(cat "$tmp/init.txt")"
echo "$pubhex" >"$tmp/trusted.pub"
[[ $(stat -c %a "$tmp/data/pki/signing.key") == 600 ]] || fail "signing.key is not 0600"

"$COLLECTOR" serve --data "$tmp/data" --grpc 127.0.0.1:0 --port-file "$tmp/port" >"$tmp/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 200); do [[ -s "$tmp/port" ]] && break; sleep 0.05; done
[[ -s "$tmp/port" ]] || fail "serve did not write its port"
port=$(tr -d '[:space:]' <"$tmp/port")
token=$("$COLLECTOR" token create --data "$tmp/data" --org e2e-株式会社 --quiet)
# One machine reports both fixture trees, so both carry its machine id (a
# report whose identity differs from the enrolled one is a copied state
# directory, refused by the collector).
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
  if [[ "$1" == e2e-good ]]; then "$SRC/tests/fixtures/linux/make_fresh_cvd.sh" "$tmp/root" 1 >/dev/null; fi
  local rc=0
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    rc=0
    "$AGENT" once --state "$tmp/agent" --root "$tmp/root" >"$tmp/once.log" 2>&1 || rc=$?
    [[ $rc -eq 3 ]] || break
    sleep 1
  done
  [[ $rc -eq 0 ]] || fail "agent once from $1 (exit $rc): $(cat "$tmp/once.log")"
}

report e2e-bad
C() { "$COLLECTOR" "$@" --data "$tmp/data"; }
C report --org e2e-株式会社 --format pdf --lang ja --out "$tmp/bad_ja.pdf" >/dev/null
C report --org e2e-株式会社 --format pdf --lang en --out "$tmp/bad_en.pdf" >/dev/null
C report --org e2e-株式会社 --format html --lang ja --out "$tmp/bad_ja.html" >/dev/null
pdftotext -layout "$tmp/bad_ja.pdf" "$tmp/bad_ja.txt"
pdftotext -layout "$tmp/bad_en.pdf" "$tmp/bad_en.txt"
for f in "$tmp/bad_ja.txt" "$tmp/bad_en.txt" "$tmp/bad_ja.html"; do
  grep -q "e2e-株式会社" "$f" || fail "$f: organisation missing"
  grep -q "pc-bad" "$f" || fail "$f: failing host pc-bad missing"
  grep -q "definitions_age_hours=" "$f" || fail "$f: evidence value missing"
done
for r in 基本方針 ソフトウェア最新化 ウイルス対策 パスワード 電子メール 無線接続 WEBサイト 物理アクセス 記録媒体 守秘義務; do
  grep -Eq "$r.* [ABCD] +[ABCD-] *\$" "$tmp/bad_ja.txt" || fail "rule $r with its grade missing in the Japanese PDF"
done
grep -q 'Web browsing' "$tmp/bad_en.txt" || fail "English PDF lacks rule names"
# The grades in the report are those `grade` prints.
C grade --org e2e-株式会社 --format json >"$tmp/grade.json"
python3 - "$tmp/grade.json" "$tmp/bad_en.txt" <<'PY' || fail "report grades differ from grade"
import json, re, sys
grades = {r["rule"]: r["grade"] for r in json.load(open(sys.argv[1]))["rules"]}
names = {"wifi": "Use of wireless connections", "removable_media": "Use of removable media",
         "antivirus": "Antivirus software", "web_browsing": "Web browsing"}
text = open(sys.argv[2]).read()
for rule, name in names.items():
    m = re.search(re.escape(name) + r".*?\s([ABCD])\s+[ABCD-]\s*$", text, re.M)
    assert m and m.group(1) == grades[rule], (rule, m and m.group(1), grades[rule])
PY

# Evidence pack: byte-identical for the same --as-of; verifies with init's key.
asof=2030-01-01T00:00:00Z
C evidence export --org e2e-株式会社 --as-of $asof --out "$tmp/p1.zip" >/dev/null
C evidence export --org e2e-株式会社 --as-of $asof --out "$tmp/p2.zip" >/dev/null
cmp -s "$tmp/p1.zip" "$tmp/p2.zip" || fail "two packs with the same --as-of differ"
"$COLLECTOR" evidence verify "$tmp/p1.zip" --public-key "$tmp/trusted.pub" >"$tmp/v.txt" ||
  fail "fresh pack does not verify: $(cat "$tmp/v.txt")"
grep -q "the trusted key" "$tmp/v.txt" || fail "verify did not use the trusted key"
python3 - "$tmp/p1.zip" <<'PY' || fail "pack content"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
assert names == sorted(names), "entries not sorted"
csv = z.read("checks/antivirus_definitions_fresh.csv")
assert csv.startswith(b"\xef\xbb\xbf"), "CSV without BOM"
assert b"pc-bad" in csv and b"definitions_age_hours" in csv, csv[:300]
assert any(n.startswith("facts/host-") for n in names), names
assert b"answered_by" in z.read("answers.json") or b'"answers": []' in z.read("answers.json")
PY

# A pack of one rule: only its checks, byte-identical, verifies; a bad rule
# is refused naming the flag, before any file is written.
C evidence export --org e2e-株式会社 --as-of $asof --rule wifi --out "$tmp/w1.zip" >/dev/null
C evidence export --org e2e-株式会社 --as-of $asof --rule wifi --out "$tmp/w2.zip" >/dev/null
cmp -s "$tmp/w1.zip" "$tmp/w2.zip" || fail "two wifi packs with the same --as-of differ"
"$COLLECTOR" evidence verify "$tmp/w1.zip" --public-key "$tmp/trusted.pub" >"$tmp/v.txt" ||
  fail "wifi pack does not verify: $(cat "$tmp/v.txt")"
python3 - "$tmp/w1.zip" <<'PY' || fail "wifi pack content"
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
checks = [n for n in z.namelist() if n.startswith("checks/")]
assert checks and all(n.startswith("checks/wifi") for n in checks), checks
assert json.loads(z.read("parameters.json"))["rule"] == "wifi"
assert any(n.startswith("facts/host-") for n in z.namelist())
PY
if C evidence export --org e2e-株式会社 --rule wlan --out "$tmp/bad.zip" 2>"$tmp/bad.txt"; then
  fail "an unknown rule was accepted"
fi
grep -q -- "--rule: expected one of basic_policy" "$tmp/bad.txt" || fail "bad rule message: $(cat "$tmp/bad.txt")"
[[ ! -e "$tmp/bad.zip" && ! -e "$tmp/bad.zip.tmp" ]] || fail "a refused pack left a file"

# Tampering, done the way a person would: unpack, edit, re-zip.
tamper() {  # $1 = name, $2 = python statements on dict `files`
  python3 - "$tmp/p1.zip" "$tmp/t.zip" "$2" <<'PY'
import sys, zipfile
src, dst, code = sys.argv[1], sys.argv[2], sys.argv[3]
files = {i.filename: zipfile.ZipFile(src).read(i.filename) for i in zipfile.ZipFile(src).infolist()}
exec(code)
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in files.items():
        z.writestr(n, d)
PY
  if "$COLLECTOR" evidence verify "$tmp/t.zip" >"$tmp/t.out" 2>&1; then fail "$1: tampered pack verified"; fi
}
expect() { grep -qF -- "$1" "$tmp/t.out" || fail "verify output lacks '$1': $(cat "$tmp/t.out")"; }
tamper csv 'n="checks/antivirus_definitions_fresh.csv"; b=bytearray(files[n]); b[len(b)//2]^=1; files[n]=bytes(b)'
expect "changed: checks/antivirus_definitions_fresh.csv"
tamper removed 'del files[[n for n in files if n.startswith("facts/")][0]]'
expect "missing: facts/host-"
tamper added 'files["checks/zz_extra.csv"]=b"=1+1\r\n"'
expect "extra: checks/zz_extra.csv"
tamper manifest 'm=files["manifest.sha256"].split(b"\n"); m[0]=(b"0"*64)+m[0][64:]; files["manifest.sha256"]=b"\n".join(m)'
expect "signature:"
tamper signature 'files["manifest.sig"]=b"00"*64+b"\n"'
expect "signature:"
tamper traversal 'files["../evil.sh"]=b"rm -rf /"'
expect "REFUSED"
expect "path traversal"
tamper bomb 'files["zz.bin"]=bytes(64*1024*1024)'
expect "REFUSED"
expect "zip bomb"
# A pack from another collector, checked against this collector's key.
"$COLLECTOR" init --data "$tmp/other" --org e2e-株式会社 >/dev/null
"$COLLECTOR" evidence export --data "$tmp/other" --org e2e-株式会社 --as-of $asof --out "$tmp/other.zip" >/dev/null
if "$COLLECTOR" evidence verify "$tmp/other.zip" --public-key "$tmp/trusted.pub" >"$tmp/t.out" 2>&1; then
  fail "a pack signed by another collector verified against this collector's key"
fi
expect "not the trusted key"

# An organisation with no endpoints and no answers: a complete report that
# says so (never blank), and a pack that verifies.
C org create 空の会社 >/dev/null
C report --org 空の会社 --format pdf --lang ja --out "$tmp/empty_ja.pdf" >/dev/null
pdftotext "$tmp/empty_ja.pdf" "$tmp/empty_ja.txt"
grep -q "登録された端末がありません" "$tmp/empty_ja.txt" || fail "the empty organisation's report does not say it has no endpoints"
grep -q "空の会社" "$tmp/empty_ja.txt" || fail "the empty organisation's name is missing"
C evidence export --org 空の会社 --out "$tmp/empty.zip" >/dev/null
"$COLLECTOR" evidence verify "$tmp/empty.zip" --public-key "$tmp/trusted.pub" >"$tmp/v.txt" ||
  fail "the empty organisation's pack does not verify: $(cat "$tmp/v.txt")"

# The plan is tracked: the Wi-Fi item is open; an admin takes it (audited).
C improvements list --org e2e-株式会社 --lang en >"$tmp/items.txt"
wifi_id=$(awk '$3 ~ /^fix_endpoints:wifi:wifi_secure/ {print $1}' "$tmp/items.txt")
[[ -n "$wifi_id" ]] || fail "no tracked Wi-Fi item: $(cat "$tmp/items.txt")"
grep -E "^$wifi_id +open " "$tmp/items.txt" >/dev/null || fail "Wi-Fi item not open: $(cat "$tmp/items.txt")"
C improvements set --org e2e-株式会社 --id "$wifi_id" --status in_progress --owner "総務 山田" \
  --due 2030-01-31 --actor admin >/dev/null
if C improvements set --org e2e-株式会社 --id "$wifi_id" --due 2030-13-01 2>/dev/null; then
  fail "an impossible due date was accepted"
fi
C report --org e2e-株式会社 --format pdf --lang ja --out "$tmp/plan_ja.pdf" >/dev/null
pdftotext -layout "$tmp/plan_ja.pdf" "$tmp/plan_ja.txt"
grep -q "総務 山田" "$tmp/plan_ja.txt" || fail "the owner is not in the report's plan"

# The host is fixed: the next report shows two states and what changed.
sleep 1
report e2e-good
C report --org e2e-株式会社 --format pdf --lang en --out "$tmp/good_en.pdf" >/dev/null
pdftotext -layout "$tmp/good_en.pdf" "$tmp/good_en.txt"
grep -q "Compared with the grades of" "$tmp/good_en.txt" || fail "no comparison with the earlier grades"
grep -qF "Use of wireless connections: D → C" "$tmp/good_en.txt" || fail "the wifi change is not reported: $(grep -A12 'Trend since' "$tmp/good_en.txt")"
grep -q "Improvement done: Use of wireless connections" "$tmp/good_en.txt" ||
  fail "the closed Wi-Fi item is not reported as done: $(grep -A12 'Trend since' "$tmp/good_en.txt")"
if grep -q "pc-bad" "$tmp/good_en.txt"; then fail "the fixed host still listed as failing"; fi
C improvements list --org e2e-株式会社 --lang en >"$tmp/items2.txt"
grep -E "^$wifi_id +done " "$tmp/items2.txt" >/dev/null ||
  fail "the Wi-Fi item did not close when the evidence passed: $(cat "$tmp/items2.txt")"
python3 - "$tmp/data/collector.db" "$wifi_id" <<'PY' || fail "audit trail of the item"
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT actor, field, old_value, new_value FROM improvement_item_events WHERE item_id = ? ORDER BY id",
    (int(sys.argv[2]),)).fetchall()
assert ("admin", "owner", "", "総務 山田") in rows, rows
assert ("evidence", "status", "in_progress", "done") in rows, rows
PY
echo "PASS"
