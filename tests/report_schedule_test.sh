#!/usr/bin/env bash
# Scheduled reports (#15), real processes: `report schedule` + `report
# run-due` write the PDF, keep the run, and mail it over SMTP with STARTTLS
# to a local test server (tests/smtp_starttls_server.py, certificate made
# here); a second run-due has nothing due; a server without STARTTLS and a
# closed port give failed runs whose error is kept and listed by `report
# runs` — the report itself is still written; then `serve` runs a due
# schedule on its background thread and stops cleanly.
#
# Usage: tests/report_schedule_test.sh COLLECTOR_BIN SOURCE_DIR
set -euo pipefail
COLLECTOR=$1
SRC=$2
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
start_server() {  # $1 = name, extra args
  local name=$1; shift
  mkdir -p "$tmp/$name"
  python3 "$SRC/tests/smtp_starttls_server.py" "$tmp/cert.pem" "$tmp/key.pem" \
    "$tmp/$name/port" "$tmp/$name" "$@" 2>"$tmp/$name/log" &
  pids+=($!)
  for _ in $(seq 1 100); do [[ -s "$tmp/$name/port" ]] && break; sleep 0.05; done
  [[ -s "$tmp/$name/port" ]] || fail "test SMTP server $name did not start"
}
start_server tls
start_server clear --no-starttls

C() { "$COLLECTOR" "$@" --data "$tmp/data"; }
"$COLLECTOR" init --data "$tmp/data" --org 株式会社定期 >/dev/null
if C report schedule --org 株式会社定期 --every 30d --to "bad address" 2>/dev/null; then
  fail "a bad recipient was accepted"
fi
C report schedule --org 株式会社定期 --every 30d --to "shacho@example.jp,it@example.jp" >/dev/null
smtp=(--smtp-host localhost --smtp-port "$(cat "$tmp/tls/port")" --smtp-from mamori@example.jp
      --smtp-ca "$tmp/cert.pem")
C report run-due "${smtp[@]}" >"$tmp/run1.txt" || fail "run-due failed: $(cat "$tmp/run1.txt")"
grep -q "\[sent\]" "$tmp/run1.txt" || fail "not sent: $(cat "$tmp/run1.txt")"
pdf=$(ls "$tmp"/data/reports/*/report-*-ja.pdf)
pdftotext "$pdf" - >"$tmp/r.txt"
grep -q "株式会社定期" "$tmp/r.txt" || fail "scheduled PDF lacks the organisation"
[[ -f "$tmp/tls/mail-1.eml" ]] || fail "the server got no message: $(cat "$tmp/tls/log")"
grep -Eq "RCPT TO: ?<shacho@example.jp>" "$tmp/tls/mail-1.env" || fail "recipient missing: $(cat "$tmp/tls/mail-1.env")"
python3 - "$tmp/tls/mail-1.eml" "$pdf" <<'PY' || fail "mail content"
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
subject = str(email.header.make_header(email.header.decode_header(m["Subject"])))
assert "株式会社定期" in subject, subject
parts = [p for p in m.walk() if p.get_content_type() == "application/pdf"]
assert parts, "no PDF attachment"
assert parts[0].get_payload(decode=True) == open(sys.argv[2], "rb").read(), "attachment differs"
PY
C report run-due "${smtp[@]}" >"$tmp/run2.txt"
grep -q "nothing due" "$tmp/run2.txt" || fail "a second run-due found work: $(cat "$tmp/run2.txt")"

# Failures are kept: no STARTTLS offered, then a closed port.
C report schedule --org 株式会社定期 --every 30d --to it@example.jp >/dev/null
if C report run-due --smtp-host localhost --smtp-port "$(cat "$tmp/clear/port")" \
     --smtp-from mamori@example.jp --smtp-ca "$tmp/cert.pem" >"$tmp/run3.txt" 2>&1; then
  fail "run-due succeeded against a server without STARTTLS"
fi
[[ ! -f "$tmp/clear/mail-1.eml" ]] || fail "a message was sent in clear"
C report runs --org 株式会社定期 >"$tmp/runs.txt"
grep -q "failed.*STARTTLS" "$tmp/runs.txt" || fail "the STARTTLS refusal is not kept: $(cat "$tmp/runs.txt")"
C report schedule --org 株式会社定期 --every 30d --to it@example.jp >/dev/null
if C report run-due --smtp-host 127.0.0.1 --smtp-port 1 --smtp-from mamori@example.jp >/dev/null 2>&1; then
  fail "run-due succeeded against a closed port"
fi
C report runs --org 株式会社定期 >"$tmp/runs.txt"
[[ $(grep -cE "Z  failed " "$tmp/runs.txt") -eq 2 ]] || fail "two failed runs expected: $(cat "$tmp/runs.txt")"
[[ $(grep -cE "Z  sent " "$tmp/runs.txt") -eq 1 ]] || fail "one sent run expected: $(cat "$tmp/runs.txt")"
[[ $(ls "$tmp"/data/reports/*/report-*.pdf | wc -l) -ge 1 ]] || fail "reports not kept"

# serve runs the due schedules itself (a first round at start, then hourly)
# and stops cleanly with its background thread.
C org create 株式会社常駐 >/dev/null
C report schedule --org 株式会社常駐 --every 30d --lang en --to soumu@example.jp >/dev/null
"$COLLECTOR" serve --data "$tmp/data" --grpc 127.0.0.1:0 --port-file "$tmp/grpc.port" "${smtp[@]}" \
  >"$tmp/serve.out" 2>"$tmp/serve.log" &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 1 300); do
  C report runs --org 株式会社常駐 2>/dev/null | grep -q "Z  sent " && break
  sleep 0.1
done
C report runs --org 株式会社常駐 >"$tmp/runs-serve.txt"
grep -q "Z  sent .*report-.*-en.pdf" "$tmp/runs-serve.txt" ||
  fail "serve did not run the due report within 30 s: $(cat "$tmp/runs-serve.txt"; tail -5 "$tmp/serve.log")"
served_pdf=$(awk '{print $NF}' "$tmp/runs-serve.txt" | head -1)
pdftotext "$served_pdf" "$tmp/served.txt"
grep -q "株式会社常駐" "$tmp/served.txt" || fail "serve's scheduled PDF lacks the organisation"
grep -qE "RCPT TO: ?<soumu@example.jp>" "$tmp"/tls/*.env || fail "serve's report was not mailed"
kill -TERM "$serve_pid"
wait "$serve_pid" || fail "serve did not stop cleanly: $(tail -5 "$tmp/serve.log")"
grep -q "stopped cleanly.*1 scheduled-report rounds" "$tmp/serve.log" ||
  fail "serve's stop log: $(tail -3 "$tmp/serve.log")"
[[ $(grep -c "Z  sent " "$tmp/runs-serve.txt") -eq 1 ]] || fail "serve ran the schedule more than once"
echo PASS
