#!/usr/bin/env bash
# Boot test of the packaged services under a real systemd (issue #16), run by
# scripts/test.sh (step "packages") after install_test.sh. The install test
# works in a chroot, where no systemd runs; this one boots a copy of the
# Debian 12 root with systemd as PID 1 in systemd-nspawn (its own network
# namespace: only its loopback), installs both packages and checks what only
# a running systemd shows:
#   - the collector starts at boot from its unit, as `mamori`, with the
#     hardening in force (no new privileges, no capabilities, seccomp, a
#     read-only /usr) and answers on the gRPC and console ports;
#   - enrolling the agent from /etc/mamori/enroll.conf starts its unit, whose
#     process keeps only its three capabilities and cannot write /usr or
#     /root, and its first report reaches the collector;
#   - the collector killed with SIGKILL is restarted by systemd; both units
#     stop cleanly on `systemctl stop`; the token never reaches the journal;
#   - `systemd-analyze security` of the live units (printed beside the
#     offline figures that units_test.sh enforces).
#
# Usage: systemd_boot_test.sh DIST_DIR
# Prints "boot test OK (N checks, S s)"; exit 1 and the failing check
# otherwise. Needs root and systemd-nspawn (Debian's systemd-container).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DIST=$(cd "$1" && pwd)
START=$(date +%s)
checks=0
fail() {
  echo "boot test FAILED: $*" >&2
  # What the units said, when the container is up.
  if [[ -n "${leader:-}" ]]; then
    in_ct journalctl --no-pager -o short-monotonic -u mamori-collector -u mamori-agent 2>/dev/null |
      tail -30 >&2 || true
  fi
  exit 1
}
ok() { checks=$((checks + 1)); echo "  ok: $*"; }
[[ $(id -u) -eq 0 ]] || fail "needs root (systemd-nspawn)"
command -v systemd-nspawn >/dev/null || fail "systemd-nspawn not found (package systemd-container)"

agent_deb=$(ls "$DIST"/mamori-agent_*_amd64.deb | head -1)
collector_deb=$(ls "$DIST"/mamori-collector_*_amd64.deb | head -1)
[[ -f "$agent_deb" && -f "$collector_deb" ]] || fail "no debs in $DIST (run scripts/package.sh)"
ORG="株式会社ブート<script>"

cached=$("$here/debian12-root.sh" --systemd)
W=$(mktemp -d /var/tmp/mamori-boot-test.XXXXXX)
R="$W/root"
nspawn_pid=
leader=
cleanup() {
  if [[ -n "$nspawn_pid" ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
    [[ -n "$leader" ]] && in_ct systemctl poweroff >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$nspawn_pid" 2>/dev/null || true
    wait "$nspawn_pid" 2>/dev/null || true
  fi
  umount -l "$R/proc" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
cp -a "$cached" "$R"

echo "== install both packages (chroot, before boot) =="
mount -t proc proc "$R/proc"
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
              HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
printf '%s\n' "mamori-collector mamori-collector/hostnames string localhost 127.0.0.1" \
  "mamori-collector mamori-collector/org string $ORG" | in_root debconf-set-selections
cp "$agent_deb" "$collector_deb" "$R/tmp/"
in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$collector_deb")" \
  "/tmp/$(basename "$agent_deb")" >"$W/install.log" 2>&1 || { cat "$W/install.log"; fail "install"; }
umount "$R/proc"
[[ -L "$R/etc/systemd/system/multi-user.target.wants/mamori-collector.service" ]] ||
  { cat "$W/install.log"; fail "collector unit not enabled after init"; }
ok "installed; collector initialised and enabled, agent not enrolled"

echo "== boot =="
systemd-nspawn -D "$R" --boot --register=no --keep-unit --private-network \
  --console=passive -M "mamori-boot-$$" >"$W/nspawn.log" 2>&1 &
nspawn_pid=$!
# The container's PID 1 is systemd-nspawn's child running /sbin/init.
for _ in $(seq 1 100); do
  leader=$( (ps -o pid=,comm= --ppid "$nspawn_pid" || true) | awk '$2 == "systemd" { print $1 }' | head -1)
  [[ -n "$leader" ]] && break
  sleep 0.1
done
[[ -n "$leader" ]] || { cat "$W/nspawn.log"; fail "no systemd in the container"; }
# in_ct CMD...: run CMD inside the booted container (all its namespaces).
in_ct() { nsenter -t "$leader" -m -u -i -n -p -C -r -w /usr/bin/env -i \
            PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
# Until its bus is up, systemctl cannot connect; then it waits for the boot.
state=
for _ in $(seq 1 300); do
  state=$(timeout 90 nsenter -t "$leader" -m -u -i -n -p -C -r -w \
            /usr/bin/systemctl is-system-running --wait 2>&1 || true)
  [[ "$state" == *"connect to bus"* ]] || break
  sleep 0.2
done
[[ "$state" == running || "$state" == degraded ]] || { cat "$W/nspawn.log"; fail "boot state: $state"; }
if [[ "$state" == degraded ]]; then
  echo "  (degraded: $(in_ct systemctl --failed --no-legend --plain | awk '{print $1}' | tr '\n' ' '))"
fi
ok "systemd booted in $(( $(date +%s) - START )) s: $state"

# status_of PID FIELD: a line of /proc/PID/status in the container.
status_of() { in_ct awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
wait_active() {
  for _ in $(seq 1 150); do
    [[ $(in_ct systemctl is-active "$1" || true) == active ]] && return 0
    sleep 0.2
  done
  in_ct systemctl status --no-pager "$1" || true
  fail "$1 is not active"
}

echo "== the collector under systemd =="
wait_active mamori-collector
cpid=$(in_ct systemctl show -p MainPID --value mamori-collector)
muid=$(in_ct id -u mamori)
[[ $(status_of "$cpid" Uid) == "$muid" ]] || fail "collector runs as uid $(status_of "$cpid" Uid), not mamori ($muid)"
[[ $(status_of "$cpid" NoNewPrivs) == 1 ]] || fail "collector: NoNewPrivs not set"
[[ $(status_of "$cpid" CapEff) == 0000000000000000 && $(status_of "$cpid" CapBnd) == 0000000000000000 ]] ||
  fail "collector keeps capabilities: $(status_of "$cpid" CapEff)/$(status_of "$cpid" CapBnd)"
[[ $(status_of "$cpid" Seccomp) == 2 ]] || fail "collector: no seccomp filter"
out=$(in_ct nsenter -t "$cpid" -m touch /usr/lib/mamori-probe 2>&1 || true)
[[ "$out" == *"Read-only file system"* ]] || fail "collector can write /usr: $out"
out=$(in_ct nsenter -t "$cpid" -m touch /var/lib/mamori-collector/.probe 2>&1 && echo writable || true)
[[ "$out" == writable ]] || fail "collector cannot write its data directory: $out"
in_ct rm -f /var/lib/mamori-collector/.probe
ok "collector active as mamori (pid $cpid): NoNewPrivs, no capabilities, seccomp, /usr read-only, data writable"

# The console answers over HTTPS (host curl in the container's network).
# The console starts after the grading service has opened (policies, the
# software dictionary): allow a loaded machine a minute and a half.
code=
for _ in $(seq 1 450); do
  code=$(nsenter -t "$leader" -n curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:8443/ || true)
  [[ "$code" == 200 ]] && break
  sleep 0.2
done
[[ "$code" == 200 ]] || fail "console on 127.0.0.1:8443 answered '$code'"
hsts=$(nsenter -t "$leader" -n curl -sk -D - -o /dev/null https://127.0.0.1:8443/ | grep -ci '^strict-transport-security' || true)
[[ "$hsts" == 1 ]] || fail "console without HSTS"
ok "console answers on https://127.0.0.1:8443/ with HSTS"

echo "== enroll the agent: its unit starts and reports =="
TOKEN=$(in_ct runuser -u mamori -- mamori-collector token create --data /var/lib/mamori-collector \
          --org "$ORG" --expires 1h --uses 2 --quiet)
FP=$(openssl x509 -in "$R/var/lib/mamori-collector/pki/ca.crt" -noout -fingerprint -sha256 | cut -d= -f2)
mkdir -p "$R/etc/mamori"
printf 'server: 127.0.0.1:50443\ntoken: %s\nca_sha256: %s\n' "$TOKEN" "$FP" >"$R/etc/mamori/enroll.conf"
chmod 600 "$R/etc/mamori/enroll.conf"
in_ct dpkg-reconfigure mamori-agent >"$W/enroll.log" 2>&1 || { cat "$W/enroll.log"; fail "reconfigure"; }
[[ -f "$R/var/lib/mamori/identity.json" ]] || { cat "$W/enroll.log"; fail "not enrolled"; }
wait_active mamori-agent
apid=$(in_ct systemctl show -p MainPID --value mamori-agent)
[[ $(status_of "$apid" NoNewPrivs) == 1 ]] || fail "agent: NoNewPrivs not set"
# CAP_DAC_READ_SEARCH (2), CAP_NET_ADMIN (12), CAP_SYS_PTRACE (19).
[[ $(status_of "$apid" CapBnd) == 0000000000081004 ]] ||
  fail "agent bounding set $(status_of "$apid" CapBnd), expected 0000000000081004"
for path in /usr/lib/mamori-probe /root/.mamori-probe; do
  out=$(in_ct nsenter -t "$apid" -m touch "$path" 2>&1 || true)
  [[ "$out" == *"Read-only file system"* ]] || fail "agent can write $path: $out"
done
ok "agent active (pid $apid) after enrollment: three capabilities, NoNewPrivs, /usr and /root read-only"

hosts=
for _ in $(seq 1 300); do
  hosts=$(in_ct runuser -u mamori -- mamori-collector hosts --data /var/lib/mamori-collector \
            --org "$ORG" --format json 2>/dev/null || true)
  [[ $(python3 -c 'import json,sys
h = json.loads(sys.argv[1] or "[]")
print(len(h) == 1 and h[0]["reports_stored"] >= 1)' "$hosts" 2>/dev/null) == True ]] && break
  sleep 0.2
done
python3 -c 'import json,sys
h = json.loads(sys.argv[1] or "[]")
sys.exit(0 if len(h) == 1 and h[0]["reports_stored"] >= 1 else 1)' "$hosts" ||
  fail "the agent's service sent no report: $hosts"
ok "the agent's service reported; the collector lists the host"

# What the unit's hardening costs the facts: every family that root collects
# in the container outside the unit must be collected as well by the unit.
in_ct mamori-agent facts --format json >"$W/facts-root.json" 2>/dev/null || fail "mamori-agent facts as root"
sqlite3 -readonly "$R/var/lib/mamori-collector/collector.db" \
  'SELECT family, state FROM host_facts ORDER BY family' >"$W/facts-unit.txt"
lost=$(python3 - "$W/facts-root.json" "$W/facts-unit.txt" <<'PY'
import json, sys
root = {k: v["status"]["state"] if isinstance(v.get("status"), dict) else v.get("status")
        for k, v in json.load(open(sys.argv[1])).items()
        if isinstance(v, dict) and "status" in v}
unit = dict(line.rstrip("\n").split("|", 1) for line in open(sys.argv[2]) if "|" in line)
print(" ".join(f"{k}:{unit.get(k, 'missing')}" for k, s in sorted(root.items())
               if s == "STATUS_OK" and unit.get(k) != "STATUS_OK"))
PY
)
[[ -z "$lost" ]] || fail "families collected by root but not by the hardened unit: $lost"
ok "the hardened unit collects every family root collects ($(grep -c STATUS_OK "$W/facts-unit.txt") families OK)"

echo "== restart on failure, clean stops, the journal =="
in_ct sh -c "kill -KILL $cpid"
for _ in $(seq 1 150); do
  npid=$(in_ct systemctl show -p MainPID --value mamori-collector)
  [[ "$npid" != 0 && "$npid" != "$cpid" ]] && break
  sleep 0.2
done
[[ "$npid" != 0 && "$npid" != "$cpid" ]] || fail "collector not restarted after SIGKILL"
wait_active mamori-collector
ok "collector killed with SIGKILL was restarted by systemd (pid $cpid -> $npid)"
in_ct systemctl stop mamori-agent mamori-collector
for unit in mamori-agent mamori-collector; do
  result=$(in_ct systemctl show -p Result --value "$unit")
  [[ "$result" == success ]] || fail "$unit stopped with result '$result'"
done
ok "both units stop cleanly (Result=success)"
journal=$(in_ct journalctl --no-pager -o cat -u mamori-collector -u mamori-agent)
[[ -n "$journal" ]] || fail "nothing in the journal from the units"
[[ "$journal" != *"$TOKEN"* && "$journal" != *"${TOKEN#*_}"* ]] || fail "the token is in the journal"
ok "the units log to the journal ($(wc -l <<<"$journal") lines) and the token is not there"

for unit in mamori-collector mamori-agent; do
  score=$(in_ct systemd-analyze security --no-pager "$unit" 2>/dev/null |
            sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  echo "  systemd-analyze security (live) $unit: ${score:-none}"
  [[ -n "$score" ]] || fail "no live exposure score for $unit"
done
ok "live exposure scores printed"

echo "boot test OK ($checks checks, $(( $(date +%s) - START )) s)"
