#!/usr/bin/env bash
# The main job on this machine, on the embedded default (SQLite): installs
# dependencies, builds, and runs mamori end to end. Grows with each capability.
#
# Now: a collector in ./demo-data serving gRPC+TLS in the background, an
# organisation and an enrollment token, this machine's agent enrolled (state
# in ./demo-data/agent) by the CA's fingerprint, one report sent with `once`,
# and the host list. The collector is left running; the script says how to
# stop it. Running it again stops the previous demo collector and starts over.
set -euo pipefail
cd "$(dirname "$0")/.."
# Share compiled objects with scripts/test.sh and clones in other folders.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(pwd)}
scripts/bootstrap.sh
# The web console's front-end is plain files compiled into the collector;
# its build step checks them (catalogues complete in ja and en, no inline
# script) before CMake embeds them.
(cd web && npm run --silent build)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"
echo
echo "== mamori-agent facts --format table (this machine) =="
build/agent/mamori-agent facts --format table

ROOT=$(pwd)
DEMO="$ROOT/demo-data"
COLLECTOR="$ROOT/build/collector/mamori-collector"
AGENT="$ROOT/build/agent/mamori-agent"
DATA="$DEMO/collector"
STATE="$DEMO/agent"
ORG="デモ株式会社"

# A previous run's collector: stop it (only if the pid is still that
# collector) before the data directory is re-created.
if [[ -f "$DEMO/collector.pid" ]]; then
  old=$(cat "$DEMO/collector.pid")
  if [[ "$old" =~ ^[0-9]+$ ]] && kill -0 "$old" 2>/dev/null &&
     grep -q "mamori-collector" "/proc/$old/cmdline" 2>/dev/null; then
    echo "stopping the previous demo collector (pid $old)"
    kill -TERM "$old"
    for _ in $(seq 1 100); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
  fi
fi
rm -rf "$DEMO"
mkdir -p "$DEMO"

echo
echo "== mamori-collector init (./demo-data/collector) =="
"$COLLECTOR" init --data "$DATA" | tee "$DEMO/init.txt"

echo
echo "== organisation and enrollment token / 組織と登録トークン =="
"$COLLECTOR" org create "$ORG" --industry E --employees 25 --region 愛知県 --data "$DATA"
TOKEN=$("$COLLECTOR" token create --org "$ORG" --expires 1h --uses 1 --quiet --data "$DATA")
echo "token created (expires in 1 h, 1 use): ${TOKEN:0:8}…"

echo
echo "== mamori-collector serve (background) =="
rm -f "$DEMO/port"
# The web console listens on MAMORI_WEB (default: a free port on loopback).
"$COLLECTOR" serve --data "$DATA" --grpc 127.0.0.1:0 --port-file "$DEMO/port" \
  --web "${MAMORI_WEB:-127.0.0.1:0}" --web-port-file "$DEMO/web-port" \
  >"$DEMO/collector.log" 2>&1 &
echo $! >"$DEMO/collector.pid"
for _ in $(seq 1 100); do [[ -s "$DEMO/web-port" ]] && break; sleep 0.1; done
if [[ ! -s "$DEMO/port" || ! -s "$DEMO/web-port" ]]; then
  echo "the collector did not start; its log:" >&2
  cat "$DEMO/collector.log" >&2
  exit 1
fi
SERVER="127.0.0.1:$(cat "$DEMO/port")"
echo "collector pid $(cat "$DEMO/collector.pid") listening on $SERVER (TLS)"

echo
echo "== mamori-agent enroll (by CA fingerprint) / 端末の登録 =="
FINGERPRINT=$(openssl x509 -in "$DATA/pki/ca.crt" -noout -fingerprint -sha256)
"$AGENT" enroll --server "$SERVER" --token "$TOKEN" --ca-sha256 "$FINGERPRINT" \
  --state "$STATE" --config /dev/null

echo
echo "== mamori-agent once / 送信 =="
set +e
"$AGENT" once --state "$STATE" --config /dev/null
rc=$?
set -e
case $rc in
  0) ;;
  3) echo "the report is queued in the spool (exit 3)" >&2; exit 1 ;;
  *) echo "mamori-agent once failed (exit $rc)" >&2; exit 1 ;;
esac

echo
echo "== mamori-collector hosts / ホスト一覧 =="
"$COLLECTOR" hosts --org "$ORG" --data "$DATA"
"$COLLECTOR" hosts --org "$ORG" --data "$DATA" --format json | python3 -c '
import json, sys
for h in json.load(sys.stdin):
    print("  host {id}: {hostname} / {os_name} {os_version} / reports {reports_stored},"
          " dropped {dropped_reports} / last seen {last_seen}".format(**h))'

echo
echo "The collector keeps running (pid $(cat "$DEMO/collector.pid"), $SERVER)."
echo "コレクタは起動したままです。停止するには / to stop it:"
echo "  kill \$(cat demo-data/collector.pid)"
echo "Send another report / もう一度送信:"
echo "  build/agent/mamori-agent once --state demo-data/agent --config /dev/null"

# The web console (#14): its address, the admin and the one-time password
# from init (the console asks for a new password at the first login).
WEB_HOST=${MAMORI_WEB:-127.0.0.1:0}
WEB_HOST=${WEB_HOST%:*}
WEB_URL="https://$WEB_HOST:$(tr -d '[:space:]' <"$DEMO/web-port")/"
ADMIN_PASSWORD=$(sed -n 's/.*one-time password.*): \([^ ]*\)$/\1/p' "$DEMO/init.txt")
echo
echo "== web console / Web コンソール =="
echo "  URL:                $WEB_URL"
echo "  account / アカウント: admin"
echo "  one-time password / 一時パスワード: $ADMIN_PASSWORD"
echo "  (the certificate is signed by the collector's own CA, demo-data/collector/pki/ca.crt:"
echo "   import it into the browser, or accept the warning for this local demo."
echo "   証明書はコレクタ独自の CA の署名です。ブラウザに ca.crt を取り込むか、警告を承認してください。)"

# ---------------------------------------------------------------------------
# Grading (G): the product's point in one screen — A–D per employee rule for
# the demo organisation, with this machine's evidence and the example answers
# (policies/examples/demo_answers.yaml). Uses the collector data directory and
# organisation of the steps above ($DATA, $ORG); run on its own it sets up its
# own: init, serve on port 0, this machine enrolled and reported once.
grade_org=${ORG:-demo}
grade_data=${DATA:-}
echo
echo "== mamori-collector grade --org $grade_org / 従業員ルール別の評価 =="
if [[ -z "$grade_data" ]]; then
  grade_tmp=$(mktemp -d)
  grade_data=$grade_tmp/collector
  build/collector/mamori-collector init --data "$grade_data" --org "$grade_org" >/dev/null
  build/collector/mamori-collector serve --data "$grade_data" --grpc 127.0.0.1:0 \
    --port-file "$grade_tmp/port" >"$grade_tmp/serve.log" 2>&1 &
  grade_serve=$!
  for _ in $(seq 1 200); do [[ -s "$grade_tmp/port" ]] && break; sleep 0.05; done
  grade_token=$(build/collector/mamori-collector token create --data "$grade_data" \
    --org "$grade_org" --quiet)
  build/agent/mamori-agent enroll --state "$grade_tmp/agent" \
    --server "127.0.0.1:$(tr -d '[:space:]' <"$grade_tmp/port")" \
    --token "$grade_token" --ca "$grade_data/pki/ca.crt" >/dev/null
  build/agent/mamori-agent once --state "$grade_tmp/agent" >/dev/null ||
    echo "(mamori-agent once did not deliver; the report shows what the collector has)"
  kill "$grade_serve"
  wait "$grade_serve" 2>/dev/null || true
fi
build/collector/mamori-collector answers import --data "$grade_data" --org "$grade_org" \
  policies/examples/demo_answers.yaml >/dev/null
build/collector/mamori-collector grade --data "$grade_data" --org "$grade_org" --lang ja

# The grade report above is long: the console's address and one-time
# password are repeated last, where a new user looks for what to do next.
if [[ -n "${WEB_URL:-}" ]]; then
  echo
  echo "== next: open the web console / 次に: Web コンソールを開く =="
  echo "  $WEB_URL   admin / $ADMIN_PASSWORD"
  echo "  (one-time password: the console asks for a new one at the first login."
  echo "   一時パスワードです。初回ログイン時に新しいパスワードを決めます。)"
  echo "  stop / 停止: kill \$(cat demo-data/collector.pid)"
fi
