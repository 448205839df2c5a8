#!/usr/bin/env bash
# Issue #20 end to end with the real programs, in a private network and mount
# namespace: a LAN (a veth pair) whose neighbour table holds a router, a Dell
# PC without the agent, a Brother printer and a phone with a randomised MAC
# (static entries: nothing is sent to them, the agent only reads the table);
# a real collector; two agents with different machine ids (the second in a
# mount namespace of its own) enroll over gRPC/TLS and send one report each.
# Then `mamori-collector devices` must list the four devices once each, seen
# by both hosts, with their vendors from ieee-data; `grade` must fail
# no_unmanaged_pcs on both hosts with the Dell as evidence and count it in
# coverage (2/3); after `devices mark --not-pc` the check passes, coverage is
# 2/2 and the audit log has the change.
#
# Usage: tests/unmanaged_devices_e2e.sh COLLECTOR_BIN AGENT_BIN
# Exit 77 (skipped) only when namespaces or ieee-data are not available.
set -euo pipefail
COLLECTOR=$1
AGENT=$2

if [[ ! -f /usr/share/ieee-data/oui.csv ]]; then
  echo "SKIP: /usr/share/ieee-data/oui.csv missing; run scripts/bootstrap.sh" >&2
  exit 77
fi
if [[ -z "${MAMORI_IN_NETNS:-}" ]]; then
  if ! unshare --net --mount true 2>/dev/null; then
    echo "SKIP: cannot create network/mount namespaces (needs root)" >&2
    exit 77
  fi
  exec env MAMORI_IN_NETNS=1 unshare --net --mount bash "$0" "$@"
fi

tmp=$(mktemp -d)
serve_pid=
cleanup() {
  [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

ip link set lo up
ip link add lan0 type veth peer name lan1
ip link set lan0 up
ip link set lan1 up
ip addr add 192.168.10.5/24 dev lan0
ip route add default via 192.168.10.1
ip neigh add 192.168.10.1 lladdr 00:00:5e:00:53:01 nud permanent dev lan0
ip neigh add 192.168.10.50 lladdr 00:14:22:99:99:99 nud stale dev lan0
ip neigh add 192.168.10.60 lladdr 00:80:77:12:34:56 nud stale dev lan0
ip neigh add 192.168.10.70 lladdr da:a1:19:00:00:01 nud stale dev lan0

"$COLLECTOR" init --data "$tmp/data" --org demo >"$tmp/init.log" 2>&1 ||
  fail "init: $(cat "$tmp/init.log")"
fp=$(grep -o '[0-9a-f]\{64\}' "$tmp/init.log" | head -1)
"$COLLECTOR" serve --data "$tmp/data" --grpc 127.0.0.1:0 \
  --port-file "$tmp/port" >"$tmp/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 50); do [[ -s "$tmp/port" ]] && break; sleep 0.1; done
[[ -s "$tmp/port" ]] || fail "serve did not start: $(cat "$tmp/serve.log")"
port=$(cat "$tmp/port")
"$COLLECTOR" token create --org demo --data "$tmp/data" | sed -n 2p |
  tr -d ' ' >"$tmp/token"
chmod 600 "$tmp/token"

report() {  # state dir
  "$AGENT" enroll --server "127.0.0.1:$port" --token-file "$tmp/token" \
    --ca-sha256 "$fp" --state "$1" --config /dev/null >/dev/null
  "$AGENT" once --state "$1" --config /dev/null >/dev/null 2>&1
}
report "$tmp/agent1" || fail "first agent"
# The second PC: another machine id, same LAN.
echo 0123456789abcdef0123456789abcdef >"$tmp/machine-id-2"
mount --bind "$tmp/machine-id-2" /etc/machine-id
report "$tmp/agent2" || fail "second agent"
umount /etc/machine-id

devices=$("$COLLECTOR" devices --org demo --data "$tmp/data" --format json)
python3 - "$devices" <<'PY' || fail "devices: $devices"
import json, sys
d = {x["mac"]: x for x in json.loads(sys.argv[1])}
assert sorted(d) == ["00:00:5e:00:53:01", "00:14:22:99:99:99",
                     "00:80:77:12:34:56", "da:a1:19:00:00:01"], sorted(d)
dell = d["00:14:22:99:99:99"]
assert dell["vendor"] == "Dell Inc." and dell["looks_like_pc"], dell
assert len(dell["witnesses"]) == 2, dell
assert {w["host_id"] for w in dell["witnesses"]} == {1, 2}, dell
assert dell["ips"] == "192.168.10.50", dell
assert d["00:80:77:12:34:56"]["vendor"] == "Brother industries, LTD."
assert not d["00:80:77:12:34:56"]["looks_like_pc"]
assert d["da:a1:19:00:00:01"]["locally_administered"]
assert d["da:a1:19:00:00:01"]["vendor"] == ""
assert not d["00:00:5e:00:53:01"]["looks_like_pc"]  # the gateway
PY

grade=$("$COLLECTOR" grade --org demo --data "$tmp/data" --format json)
python3 - "$grade" <<'PY' || fail "grade before the mark"
import json, sys
g = json.loads(sys.argv[1])
assert g["settings"]["unmanaged_pcs"] == 1, g["settings"]
text = json.dumps(g, ensure_ascii=False)
assert "00:14:22:99:99:99 192.168.10.50 Dell Inc." in text, text[:2000]
assert '"registered": 3' in text or '"registered":3' in text, "coverage 2/3"
PY

"$COLLECTOR" devices mark --org demo --data "$tmp/data" \
  --mac 00-14-22-99-99-99 --not-pc nas --note 'NAS <b>' >/dev/null ||
  fail "mark"
"$COLLECTOR" devices mark --org demo --data "$tmp/data" \
  --mac 00:14:22:99:99:99 --not-pc toaster >/dev/null 2>&1 &&
  fail "an unknown kind was accepted"
pcs=$("$COLLECTOR" devices --org demo --data "$tmp/data" --pcs --format json)
[[ "$pcs" == "[]" ]] || fail "still listed as a PC: $pcs"
grade=$("$COLLECTOR" grade --org demo --data "$tmp/data" --format json)
python3 - "$grade" <<'PY' || fail "grade after the mark"
import json, sys
g = json.loads(sys.argv[1])
assert g["settings"]["unmanaged_pcs"] == 0, g["settings"]
text = json.dumps(g, ensure_ascii=False)
assert "00:14:22:99:99:99" not in text
PY
echo "PASS: unmanaged devices end to end"
