#!/usr/bin/env bash
# Install test of the Debian packages (issue #16), run by scripts/test.sh
# (step "packages") after scripts/package.sh. In a copy of a clean Debian 12
# root (packaging/test/debian12-root.sh, cached between runs) entered with
# chroot, it installs a synthetic previous version of both packages with
# `apt-get install ./….deb`, checks enrollment failures (malformed
# enroll.conf, wrong CA fingerprint) leave the agent unenrolled and its unit
# disabled and that the next attempt works, runs init (from debconf), serve,
# token, enroll (from /etc/mamori/enroll.conf) and once from the installed
# paths, checks owners and modes, upgrades to this version (data, a changed
# conffile and the enrollment kept), takes backups while mamori-loadgen
# reports and restores one with every report acknowledged before it began,
# then removes (data kept) and purges (data gone).
#
# Usage: install_test.sh DIST_DIR LOADGEN_BINARY
# Prints "install test OK (N checks)" when every check passed; exit 1 and
# the failing check otherwise. Needs root. Services run on 127.0.0.1 only
# and are stopped by this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DIST=$(cd "$1" && pwd)
LOADGEN=$2
START=$(date +%s)
checks=0
fail() { echo "install test FAILED: $*" >&2; exit 1; }
ok() { checks=$((checks + 1)); echo "  ok: $*"; }
[[ $(id -u) -eq 0 ]] || fail "needs root (debootstrap, chroot, mount)"

agent_deb=$(ls "$DIST"/mamori-agent_*_amd64.deb | head -1)
collector_deb=$(ls "$DIST"/mamori-collector_*_amd64.deb | head -1)
[[ -f "$agent_deb" && -f "$collector_deb" ]] || fail "no debs in $DIST (run scripts/package.sh)"
version=$(dpkg-deb -f "$agent_deb" Version)
# No systemd runs in the chroot: the stop on remove is checked in the script.
for deb in "$agent_deb" "$collector_deb"; do
  dpkg-deb -I "$deb" prerm | grep -q 'deb-systemd-invoke stop' ||
    fail "$(basename "$deb"): prerm does not stop the service on remove"
done

root_start=$(date +%s)
cached=$("$here/debian12-root.sh")
echo "debian 12 root: $cached ($(( $(date +%s) - root_start )) s; debootstrap took $(cat "$cached/.mamori-debootstrap-seconds") s when made)"

W=$(mktemp -d /var/tmp/mamori-install-test.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for m in var/lib/mamori dev/pts dev proc; do umount -l "$W/root/$m" 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT

copy_start=$(date +%s)
cp -a "$cached" "$W/root"
R="$W/root"
mount -t proc proc "$R/proc"
mount --bind /dev "$R/dev"
mount --bind /dev/pts "$R/dev/pts"
cp /etc/resolv.conf "$R/etc/resolv.conf"
echo "root copied and mounted in $(( $(date +%s) - copy_start )) s"
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
              HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
# stat inside the root: user and group names are the root's.
rstat() { in_root stat -c "$1" "$2"; }
apt_install() { in_root apt-get install -y -q --no-install-recommends \
                  -o Dpkg::Options::=--force-confold "$@"; }

# The synthetic previous version: this version's files and scripts under a
# lower version number, so apt sees an upgrade.
prev="${version}~prev1"
for deb in "$agent_deb" "$collector_deb"; do
  name=$(dpkg-deb -f "$deb" Package)
  mkdir -p "$W/$name"
  dpkg-deb -R "$deb" "$W/$name/tree"
  sed -i "s/^Version: .*/Version: $prev/" "$W/$name/tree/DEBIAN/control"
  dpkg-deb -b --root-owner-group "$W/$name/tree" "$R/tmp/${name}_${prev}_amd64.deb" >/dev/null
  cp "$deb" "$R/tmp/"
done

echo "== collector $prev: init from debconf =="
printf '%s\n' "mamori-collector mamori-collector/hostnames string localhost 127.0.0.1" \
  "mamori-collector mamori-collector/org string 株式会社テスト<script>" |
  in_root debconf-set-selections
t0=$(date +%s)
apt_install "/tmp/mamori-collector_${prev}_amd64.deb" >"$W/collector-install.log" 2>&1 ||
  { cat "$W/collector-install.log"; fail "collector install"; }
grep -q "initialised /var/lib/mamori-collector" "$W/collector-install.log" ||
  { cat "$W/collector-install.log"; fail "postinst did not report init"; }
ok "collector installed, init ran from debconf ($(( $(date +%s) - t0 )) s)"
[[ $(rstat '%U:%G %a' "/var/lib/mamori-collector") == "mamori:mamori 700" ]] ||
  fail "data dir owner/mode: $(rstat '%U:%G %a' "/var/lib/mamori-collector")"
[[ $(rstat '%U %a' "/root/mamori-collector-setup.txt") == "root 600" ]] ||
  fail "setup file must be root 0600"
grep -q "one-time password" "$R/root/mamori-collector-setup.txt" || fail "setup file lacks the password line"
grep -q "^mamori:" "$R/etc/passwd" && in_root getent passwd mamori | grep -q ":/usr/sbin/nologin$" ||
  fail "mamori system user"
[[ -L "$R/etc/systemd/system/multi-user.target.wants/mamori-collector.service" ]] ||
  fail "collector unit not enabled after init"
ok "data dir mamori:mamori 0700, setup file root 0600, user, unit enabled"

as_mamori() { in_root runuser -u mamori -- "$@"; }
# start_serve [PORT]: port 0 (any) the first time; the same port after the
# upgrade, since the enrolled agent keeps its address.
start_serve() {
  rm -f "$R/tmp/port"
  chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin runuser -u mamori -- \
    /usr/bin/mamori-collector serve --data /var/lib/mamori-collector \
    --grpc "127.0.0.1:${1:-0}" --port-file /tmp/port \
    --enroll-burst 1000 --enroll-per-minute 100000 >>"$W/serve.log" 2>&1 &
  serve_pid=$!
  pids+=("$serve_pid")
  for _ in $(seq 1 100); do [[ -s "$R/tmp/port" ]] && break; sleep 0.1; done
  [[ -s "$R/tmp/port" ]] || { cat "$W/serve.log"; fail "serve did not start"; }
  PORT=$(cat "$R/tmp/port")
}
stop_serve() {
  kill -TERM "$serve_pid"
  wait "$serve_pid" 2>/dev/null || true
}
chmod 1777 "$R/tmp"
start_serve
ok "serve runs from /usr/bin as mamori on 127.0.0.1:$PORT"
TOKEN=$(as_mamori mamori-collector token create --data /var/lib/mamori-collector \
          --org "株式会社テスト<script>" --expires 1h --uses 5 --quiet)
FP=$(openssl x509 -in "$R/var/lib/mamori-collector/pki/ca.crt" -noout -fingerprint -sha256 | cut -d= -f2)
ok "token created as mamori"

echo "== agent $prev: bad enroll.conf, wrong fingerprint, then enrolled =="
mkdir -p "$R/etc/mamori"
agent_enabled() { [[ -L "$R/etc/systemd/system/multi-user.target.wants/mamori-agent.service" ]]; }
printf 'server: 127.0.0.1:%s\ntokn: %s\n' "$PORT" "$TOKEN" >"$R/etc/mamori/enroll.conf"
chmod 600 "$R/etc/mamori/enroll.conf"
apt_install "/tmp/mamori-agent_${prev}_amd64.deb" >"$W/agent1.log" 2>&1 ||
  { cat "$W/agent1.log"; fail "agent install with a malformed enroll.conf must succeed"; }
grep -q 'line 2: unknown key "tokn"' "$W/agent1.log" || { cat "$W/agent1.log"; fail "reason not shown"; }
grep -q 'unknown key "tokn"' "$R/var/log/mamori-agent-install.log" || fail "reason not logged"
[[ ! -e "$R/var/lib/mamori/identity.json" ]] && ! agent_enabled || fail "half-configured agent"
ok "malformed enroll.conf: installed, reason on terminal and in the log, unit disabled"

printf 'server: 127.0.0.1:%s\ntoken: %s\nca_sha256: %s\n' "$PORT" "$TOKEN" \
  "$(printf '%064d' 0)" >"$R/etc/mamori/enroll.conf"
in_root dpkg-reconfigure mamori-agent >"$W/agent2.log" 2>&1 || { cat "$W/agent2.log"; fail "reconfigure"; }
grep -qi "fingerprint" "$W/agent2.log" || { cat "$W/agent2.log"; fail "wrong fingerprint reason not shown"; }
[[ ! -e "$R/var/lib/mamori/identity.json" ]] && ! agent_enabled || fail "half-configured agent"
[[ -f "$R/etc/mamori/enroll.conf" ]] || fail "enroll.conf deleted after a failure"
ok "wrong CA fingerprint: reason shown, not enrolled, unit disabled"

EXPIRED=$(as_mamori mamori-collector token create --data /var/lib/mamori-collector \
            --org "株式会社テスト<script>" --expires 1s --quiet)
sleep 2
printf 'server: 127.0.0.1:%s\ntoken: %s\nca_sha256: %s\n' "$PORT" "$EXPIRED" "$FP" \
  >"$R/etc/mamori/enroll.conf"
in_root dpkg-reconfigure mamori-agent >"$W/agent-expired.log" 2>&1 || { cat "$W/agent-expired.log"; fail "reconfigure"; }
grep -q "token expired" "$W/agent-expired.log" || { cat "$W/agent-expired.log"; fail "expired token reason not shown"; }
[[ ! -e "$R/var/lib/mamori/identity.json" ]] && ! agent_enabled || fail "half-configured agent"
ok "expired token: reason shown, not enrolled, unit disabled"

printf 'server: 127.0.0.1:%s\ntoken: %s\nca_sha256: %s\n' "$PORT" "$TOKEN" "$FP" \
  >"$R/etc/mamori/enroll.conf"
# A full disk: the state directory on a one-page tmpfs.
mount -t tmpfs -o size=4k,mode=0700 mamori-full "$R/var/lib/mamori"
in_root dpkg-reconfigure mamori-agent >"$W/agent-full.log" 2>&1 || true
umount "$R/var/lib/mamori"
grep -qiE "no space|space left" "$W/agent-full.log" || { cat "$W/agent-full.log"; fail "full disk: no reason shown"; }
[[ ! -e "$R/var/lib/mamori/identity.json" ]] && ! agent_enabled || fail "half-configured agent after a full disk"
[[ -f "$R/etc/mamori/enroll.conf" ]] || fail "enroll.conf deleted after a failure"
ok "full disk during enrollment: reason shown, not enrolled, unit disabled"
in_root dpkg-reconfigure mamori-agent >"$W/agent3.log" 2>&1 || { cat "$W/agent3.log"; fail "reconfigure"; }
[[ -f "$R/var/lib/mamori/identity.json" ]] || { cat "$W/agent3.log"; fail "not enrolled"; }
agent_enabled || fail "agent unit not enabled after enrollment"
[[ ! -e "$R/etc/mamori/enroll.conf" ]] || fail "spent enroll.conf (token) left behind"
ok "next attempt enrolled, unit enabled, spent enroll.conf deleted"

in_root mamori-agent once --config /etc/mamori/agent.conf --state /var/lib/mamori >"$W/once1.log" 2>&1 ||
  { cat "$W/once1.log"; fail "mamori-agent once"; }
hosts=$(as_mamori mamori-collector hosts --data /var/lib/mamori-collector \
          --org "株式会社テスト<script>" --format json)
[[ $(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$hosts") == 1 ]] ||
  fail "collector lists no host: $hosts"
ok "mamori-agent once sent a report; the collector lists the host"

echo "== owners and modes of every installed path =="
while IFS= read -r path; do
  [[ -n "$path" && -e "$R$path" ]] || continue
  read -r owner mode type < <(rstat '%U:%G %a %F' "$path")
  # /lib and the like are the root's usrmerge links, not ours.
  [[ "$type" != symbolic* ]] || continue
  case "$path" in
    /usr/bin/* | /usr/libexec/mamori/*) want="root:root 755" ;;
    *) if [[ "$type" == directory ]]; then want="root:root 755"; else want="root:root 644"; fi ;;
  esac
  [[ "$owner $mode" == "$want" ]] || fail "$path is $owner $mode, expected $want"
  checks=$((checks + 1))
done < <(in_root dpkg -L mamori-agent mamori-collector | sort -u)
check_mode() {
  local got
  got=$(rstat '%U:%G %a' "$1")
  [[ "$got" == "$2" ]] || fail "$1 is $got, expected $2"
  checks=$((checks + 1))
}
check_mode /var/lib/mamori "root:root 700"
check_mode /var/lib/mamori/identity.json "root:root 600"
check_mode /var/lib/mamori/ca.pem "root:root 600"
check_mode /var/lib/mamori-collector "mamori:mamori 700"
check_mode /var/lib/mamori-collector/collector.db "mamori:mamori 600"
check_mode /var/lib/mamori-collector/pki/ca.key "mamori:mamori 600"
check_mode /var/lib/mamori-collector/pki/server.key "mamori:mamori 600"
check_mode /var/log/mamori-agent-install.log "root:root 600"
bad=$(in_root find /var/lib/mamori-collector ! -user mamori | head -3)
[[ -z "$bad" ]] || fail "not owned by mamori: $bad"
ok "owners and modes ($checks checks so far)"

echo "== upgrade $prev -> $version =="
sed -i 's/^log_level: info/log_level: warning/' "$R/etc/mamori/agent.conf"
stop_serve
db_hosts_before=$(sqlite3 "$R/var/lib/mamori-collector/collector.db" 'SELECT count(*) FROM hosts')
apt_install "/tmp/$(basename "$collector_deb")" "/tmp/$(basename "$agent_deb")" >"$W/upgrade.log" 2>&1 ||
  { cat "$W/upgrade.log"; fail "upgrade"; }
[[ $(in_root dpkg-query -W -f='${Version}' mamori-agent) == "$version" ]] || fail "agent not upgraded"
grep -q '^log_level: warning' "$R/etc/mamori/agent.conf" || fail "changed conffile not kept"
[[ -f "$R/var/lib/mamori/identity.json" ]] && agent_enabled || fail "enrollment lost on upgrade"
[[ $(sqlite3 "$R/var/lib/mamori-collector/collector.db" 'SELECT count(*) FROM hosts') == "$db_hosts_before" ]] ||
  fail "collector data changed on upgrade"
[[ $(grep -c "one-time password" "$R/root/mamori-collector-setup.txt") == 1 ]] || fail "init ran again on upgrade"
ok "upgrade kept data, the changed conffile and the enrollment"
start_serve "$PORT"
in_root mamori-agent once --config /etc/mamori/agent.conf --state /var/lib/mamori >"$W/once2.log" 2>&1 ||
  { cat "$W/once2.log"; fail "once after upgrade"; }
ok "agent reports after the upgrade"

echo "== backup while mamori-loadgen reports; restore =="
TOKEN2=$(as_mamori mamori-collector token create --data /var/lib/mamori-collector \
           --org "株式会社テスト<script>" --expires 1h --uses 1000 --quiet)
"$LOADGEN" first --server "127.0.0.1:$PORT" --ca "$R/var/lib/mamori-collector/pki/ca.crt" \
  --token "$TOKEN2" --agents 400 --packages 300 --connections 4 --out "$W/agents.txt" \
  >"$W/loadgen.log" 2>&1 &
loadgen_pid=$!
pids+=("$loadgen_pid")
db="$R/var/lib/mamori-collector/collector.db"
for _ in $(seq 1 1200); do
  [[ $(sqlite3 "$db" 'SELECT count(*) FROM reports' 2>/dev/null || echo 0) -ge 20 ]] && break
  sleep 0.05
done
# Every report stored (and so acknowledged) before the backup began.
sqlite3 "$db" "SELECT host_id || '/' || report_id FROM reports ORDER BY 1" >"$W/acked-before.txt"
kill -0 "$loadgen_pid" 2>/dev/null || fail "the load generator ended before the backup began"
as_mamori mamori-collector backup --data /var/lib/mamori-collector --out /tmp/live.mamori \
  >"$W/backup.log" 2>&1 || { cat "$W/backup.log"; fail "backup during load"; }
loadgen_running=no
kill -0 "$loadgen_pid" 2>/dev/null && loadgen_running=yes
loadgen_stored_at_end=$(sqlite3 "$db" 'SELECT count(*) FROM reports')
wait "$loadgen_pid" || { cat "$W/loadgen.log"; fail "loadgen"; }
check_mode /tmp/live.mamori "mamori:mamori 600"
as_mamori mamori-collector restore --from /tmp/live.mamori --data /tmp/restored >"$W/restore.log" 2>&1 ||
  { cat "$W/restore.log"; fail "restore"; }
sqlite3 "$R/tmp/restored/collector.db" "SELECT host_id || '/' || report_id FROM reports ORDER BY 1" >"$W/restored.txt"
missing=$(comm -23 "$W/acked-before.txt" "$W/restored.txt" | wc -l)
[[ "$missing" == 0 ]] || fail "$missing acknowledged reports missing from the restored database"
[[ $(sqlite3 "$R/tmp/restored/collector.db" 'PRAGMA integrity_check') == ok ]] || fail "restored integrity"
cmp -s "$R/var/lib/mamori-collector/pki/ca.key" "$R/tmp/restored/pki/ca.key" || fail "CA key not restored"
ok "backup during load (loadgen running at its start, and at its end: $loadgen_running): $(wc -l <"$W/acked-before.txt") reports acknowledged before it, all restored ($(wc -l <"$W/restored.txt") in the backup), keys restored"
# A corrupt backup is refused and the target stays as it was.
cp "$R/tmp/live.mamori" "$R/tmp/corrupt.mamori"
printf 'garbage%.0s' $(seq 1 2000) | dd of="$R/tmp/corrupt.mamori" bs=1 seek=8192 conv=notrunc status=none
in_root chown mamori:mamori /tmp/corrupt.mamori
before=$(cd "$R/tmp/restored" && find . -type f -exec sha256sum {} + | sort)
if as_mamori mamori-collector restore --from /tmp/corrupt.mamori --data /tmp/restored --force >"$W/corrupt.log" 2>&1; then
  fail "corrupt backup accepted"
fi
grep -q "nothing changed" "$W/corrupt.log" || { cat "$W/corrupt.log"; fail "corrupt backup: no reason"; }
[[ "$before" == "$(cd "$R/tmp/restored" && find . -type f -exec sha256sum {} + | sort)" ]] ||
  fail "corrupt backup changed the target"
ok "corrupt backup refused with the reason, target untouched"

echo "== agent purged, reinstalled with debconf preseeding =="
in_root apt-get purge -y -q mamori-agent >"$W/purge-agent.log" 2>&1 || { cat "$W/purge-agent.log"; fail "purge agent"; }
[[ ! -e "$R/var/lib/mamori" ]] || fail "agent purge left /var/lib/mamori"
printf '%s\n' "mamori-agent mamori-agent/server string 127.0.0.1:$PORT" \
  "mamori-agent mamori-agent/token password $TOKEN" \
  "mamori-agent mamori-agent/ca_sha256 string $FP" | in_root debconf-set-selections
apt_install "/tmp/$(basename "$agent_deb")" >"$W/agent-debconf.log" 2>&1 ||
  { cat "$W/agent-debconf.log"; fail "install with debconf answers"; }
[[ -f "$R/var/lib/mamori/identity.json" ]] && agent_enabled || { cat "$W/agent-debconf.log"; fail "not enrolled from debconf"; }
[[ "$(echo 'GET mamori-agent/token' | in_root debconf-communicate mamori-agent || true)" != *"$TOKEN"* ]] ||
  fail "the spent token stayed in the debconf database"
ok "debconf preseeding enrolled the agent; the token left the debconf database"
stop_serve

echo "== remove keeps data; purge deletes it =="
in_root apt-get remove -y -q mamori-agent mamori-collector >"$W/remove.log" 2>&1 || { cat "$W/remove.log"; fail "remove"; }
[[ -f "$R/var/lib/mamori/identity.json" && -f "$R/var/lib/mamori-collector/collector.db" ]] ||
  fail "remove deleted data"
ok "remove kept /var/lib/mamori and /var/lib/mamori-collector"
in_root apt-get purge -y -q mamori-agent mamori-collector >"$W/purge.log" 2>&1 || { cat "$W/purge.log"; fail "purge"; }
[[ ! -e "$R/var/lib/mamori" && ! -e "$R/var/lib/mamori-collector" && ! -e "$R/etc/mamori" ]] ||
  fail "purge left data: $(ls -d "$R"/var/lib/mamori* "$R/etc/mamori" 2>/dev/null)"
[[ ! -e "$R/root/mamori-collector-setup.txt" ]] || fail "purge left the setup file"
ok "purge deleted the data, configuration and setup file"

echo "install test OK ($checks checks, $(( $(date +%s) - START )) s)"
