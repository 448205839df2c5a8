#!/usr/bin/env bash
# Checks dist/mamori-agent-*.msi (issues #16, #18): its tables with msiinfo,
# then under Wine (a prefix of its own, made from build-win's template when
# scripts/test-windows.sh left one): a bad SERVER fails the install (1603)
# and leaves nothing; a silent install with SERVER, TOKEN and CA_SHA256 puts
# the programs in Program Files and the configuration in ProgramData;
# uninstall keeps ProgramData\mamori, REMOVE_DATA=1 deletes it.
# When the MSI carries the whole agent (mamori-agent.exe and its service),
# against a real mamori-collector on loopback (TLS, CA pinned): a wrong
# CA_SHA256 fails the install with the agent's refusal and leaves no program
# and no service; the silent install enrolls, the spent enroll.conf is gone,
# the service "mamori-agent" is automatic, running and reports; uninstall
# stops and deletes the service and keeps the identity.
# Upgrade: the next version's MSI (scripts/package.sh with MAMORI_VERSION,
# the same tree) installed over this one without any property replaces it
# (one product installed, of the new version), keeps the identity,
# agent.conf and the spool (with the whole agent: a report queued while the
# collector is down survives the upgrade and is delivered by the upgraded
# service), and the service runs again. (The downgrade block is checked in
# the tables: Wine's msi does not apply it.)
# Prints "msi test OK (N checks)". Wine does not enforce DACLs on its
# files, so the protected DACL is checked on Windows only (see
# packaging/README.md).
#
# Usage: packaging/test/msi_test.sh DIST [COLLECTOR]
#   COLLECTOR  the native mamori-collector (default build/collector/...);
#              needed only for the whole-agent MSI.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIST=$(cd "$1" && pwd)
COLLECTOR=${2:-$ROOT/build/collector/mamori-collector}
msi=$(ls "$DIST"/mamori-agent-*-x64.msi | head -1)
checks=0
fail() { echo "msi test FAILED: $*" >&2; exit 1; }
ok() { checks=$((checks + 1)); echo "  ok: $*"; }

version=$(basename "$msi" | sed -n 's/^mamori-agent-\([0-9]*\.[0-9]*\.[0-9]*\)-x64\.msi$/\1/p')
[[ -n $version ]] || fail "no version in the MSI's name $(basename "$msi")"
# msiinfo prints CRLF lines.
table() { msiinfo export "$msi" "$1" | tr -d '\r'; }
tables=$(msiinfo tables "$msi" | tr -d '\r')
for t in File Component Directory CustomAction InstallExecuteSequence Property Upgrade; do
  grep -qx "$t" <<<"$tables" || fail "no $t table"
done
files=$(table File)
for f in mamori-facts.exe mamori-msi-config.exe README.txt; do
  grep -q "$f" <<<"$files" || fail "$f not in the File table"
done
full_agent=0
grep -q 'mamori-agent.exe' <<<"$files" && full_agent=1
actions=$(table CustomAction)
grep -qP '^ConfigureAgent\t3090\tMsiConfigExe\tconfigure "\[SERVER\]" "\[CA_SHA256\]" "\[TOKEN\]"' <<<"$actions" ||
  fail "ConfigureAgent is not a deferred, system-context exe action: $actions"
sequence=$(table InstallExecuteSequence)
grep -qP '^RemoveAgentData\tREMOVE="ALL" AND REMOVE_DATA="1"\t3490$' <<<"$sequence" || fail "RemoveAgentData sequence"
grep -qP '^ConfigureAgent\tSERVER AND NOT REMOVE\t' <<<"$sequence" || fail "ConfigureAgent sequence"
grep -qP '^MsiHiddenProperties\tTOKEN' <<<"$(table Property)" || fail "TOKEN not hidden from the log"
# MajorUpgrade: older versions of the UpgradeCode are removed after the
# install, a newer one blocks it (the launch condition). Wine 8's msi does
# not apply the downgrade block (seen: the older MSI installed beside the
# newer, two products), so that part is checked in the tables only.
upgrade=$(table Upgrade)
code=$(table Property | sed -n 's/^UpgradeCode\t//p')
[[ -n $code ]] || fail "no UpgradeCode property"
grep -qP "^\Q$code\E\t\t$version\t\t1\t\tWIX_UPGRADE_DETECTED$" <<<"$upgrade" || fail "Upgrade: no row for older versions: $upgrade"
grep -qP "^\Q$code\E\t$version\t\t\t2\t\tWIX_DOWNGRADE_DETECTED$" <<<"$upgrade" || fail "Upgrade: no row for newer versions: $upgrade"
grep -qP '^NOT WIX_DOWNGRADE_DETECTED\t' <<<"$(table LaunchCondition)" || fail "no launch condition against a downgrade"
grep -qP '^RemoveExistingProducts\t\t' <<<"$sequence" || fail "no RemoveExistingProducts"
ok "msiinfo: tables, files, custom actions (deferred, SYSTEM), sequence, hidden token, major upgrade (Upgrade rows, downgrade launch condition)"
if [[ $full_agent == 1 ]]; then
  grep -qx ServiceInstall <<<"$tables" || fail "no ServiceInstall table"
  # Name, display name, own process (16), demand start (3) until enrolled,
  # LocalSystem, the service mode's arguments, on the agent's component.
  grep -qP '^AgentService\tmamori-agent\tmamori agent\t16\t3\t1\t\t\tLocalSystem\t\trun --service\tAgentExe\t' \
    <<<"$(table ServiceInstall)" || fail "ServiceInstall: $(table ServiceInstall)"
  # 162 = stop at install and uninstall (0x2 + 0x20), delete at uninstall (0x80).
  grep -qP '^AgentServiceControl\tmamori-agent\t162\t\t1\tAgentExe$' <<<"$(table ServiceControl)" ||
    fail "ServiceControl: $(table ServiceControl)"
  # Enrollment and the start between InstallServices (5800) and StartServices (5900).
  grep -qP '^ConfigureAgent\tSERVER AND NOT REMOVE\t5850$' <<<"$sequence" || fail "ConfigureAgent at 5850"
  grep -qP '^StartAgentService\tNOT REMOVE\t5860$' <<<"$sequence" || fail "StartAgentService at 5860"
  grep -qP '^StartAgentService\t3090\tMsiConfigExe\tstart-service\t' <<<"$actions" ||
    fail "StartAgentService is not a deferred, system-context exe action"
  ok "msiinfo: mamori-agent.exe, its service (own process, on demand, LocalSystem), stopped and deleted at uninstall"
else
  echo "  SKIPPED: the whole agent (this MSI carries mamori-facts.exe only: no Windows library prefix when it was built)"
fi

export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY || true
export WINEPREFIX="$ROOT/build-win/wineprefix-msi"
template="$ROOT/build-win/wineprefix-template"
stop_wine() { wineserver -k >/dev/null 2>&1 || true; }
trap stop_wine EXIT
stop_wine
rm -rf "$WINEPREFIX"
mkdir -p "$ROOT/build-win"
if [[ ! -f "$template/.mamori-ready" ]]; then
  # No template from scripts/test-windows.sh: one of our own, made once.
  template="$ROOT/build-win/wineprefix-msi-template"
  if [[ ! -f "$template/.mamori-ready" ]]; then
    rm -rf "$template"
    WINEPREFIX="$template" wine wineboot --init >/dev/null 2>&1
    WINEPREFIX="$template" wineserver -w
    wine --version >"$template/.mamori-ready"
  fi
fi
# Hard links (as scripts/test-windows.sh does), the registry hives copied.
cp -al "$template" "$WINEPREFIX"
for hive in system.reg user.reg userdef.reg; do
  rm -f "$WINEPREFIX/$hive"
  cp -p "$template/$hive" "$WINEPREFIX/$hive"
done
# Seen under Wine 8 (2026-12-07): once the last Wine process of the prefix
# other than its services ends (msiexec, sc), the wineserver shuts the
# prefix down and the agent's service dies within seconds, mid-collection
# and with nothing logged. A persistent wineserver keeps the service running
# between the msiexec runs, as on Windows (stop_wine ends it).
[[ $full_agent == 1 ]] && wineserver -p
C="$WINEPREFIX/drive_c"
winmsi=$(winepath -w "$msi" 2>/dev/null)
install_log="$C/ProgramData/mamori-install.log"
msiexec() {  # msiexec ARGS... → its exit code
  local rc=0
  wine msiexec "$@" </dev/null >/dev/null 2>&1 || rc=$?
  # Without a service, wait for every Wine process of the prefix to end; the
  # agent's service keeps running (and the wineserver with it) by design.
  [[ $full_agent == 1 ]] || wineserver -w
  return $rc
}
service_state() {  # RUNNING, STOPPED, ... or "absent"
  local out
  out=$(wine sc query mamori-agent </dev/null 2>/dev/null | tr -d '\r')
  sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p' <<<"$out" | grep . || echo absent
}

if [[ $full_agent == 1 ]]; then
  # A real collector on loopback; the MSI enrolls against it.
  [[ -x $COLLECTOR ]] || fail "the whole-agent MSI needs the native collector ($COLLECTOR)"
  work=$(mktemp -d "${TMPDIR:-/tmp}/mamori-msi.XXXXXX")
  collector_pid=
  cleanup() {
    [[ -n $collector_pid ]] && kill "$collector_pid" 2>/dev/null
    wait 2>/dev/null
    stop_wine
    rm -rf "$work"
  }
  trap cleanup EXIT
  data="$work/collector"
  "$COLLECTOR" init --data "$data" --org "MSI株式会社" >"$work/init.log" 2>&1 || fail "collector init: $(cat "$work/init.log")"
  TOKEN=$("$COLLECTOR" token create --data "$data" --org "MSI株式会社" --expires 1h --uses 3 --quiet)
  FP=$(openssl x509 -in "$data/pki/ca.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g')
  serve() {  # serve ADDRESS: the collector, until its port file is written
    rm -f "$work/port"
    "$COLLECTOR" serve --data "$data" --grpc "$1" --port-file "$work/port" >>"$work/collector.log" 2>&1 &
    collector_pid=$!
    for _ in $(seq 1 200); do [[ -s $work/port ]] && break; sleep 0.05; done
    [[ -s $work/port ]] || fail "collector did not start: $(cat "$work/collector.log")"
  }
  serve 127.0.0.1:0
  SERVER="127.0.0.1:$(tr -d '[:space:]' <"$work/port")"
  reports() {
    python3 -c 'import sqlite3,sys; print(sqlite3.connect("file:"+sys.argv[1]+"?mode=ro", uri=True, timeout=10).execute("SELECT count(*) FROM reports").fetchone()[0])' \
      "$data/collector.db"
  }

  # A wrong CA fingerprint: the agent refuses before sending the token; the
  # install fails and is rolled back (no program, no service).
  rc=0
  msiexec /i "$winmsi" /qn SERVER="$SERVER" TOKEN="$TOKEN" CA_SHA256="$(printf '%064d' 0)" || rc=$?
  [[ $rc -ne 0 ]] || fail "an install with a wrong CA_SHA256 succeeded"
  [[ ! -e "$C/Program Files/mamori/mamori-agent.exe" ]] || fail "the refused install left the agent"
  [[ $(service_state) == absent ]] || fail "the refused install left the service ($(service_state))"
  grep -q "refused" "$install_log" || fail "no refusal in mamori-install.log: $(cat "$install_log")"
  [[ ! -e "$C/ProgramData/mamori/enroll.conf" && ! -e "$C/ProgramData/mamori/enroll.token" ]] ||
    fail "the refused install left the token on disk"
  if grep -rq "$TOKEN" "$install_log"; then fail "token logged"; fi
  ok "wrong CA_SHA256: msiexec exit $rc, rolled back, no service, the agent's refusal in mamori-install.log"
else
  SERVER=collector.example.jp:50443
  TOKEN=mtk_abcdefgh
  FP=00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF
fi

rc=0
msiexec /i "$winmsi" /qn "SERVER=collector;calc" TOKEN="$TOKEN" CA_SHA256="$FP" || rc=$?
[[ $rc -ne 0 ]] || fail "a bad SERVER was accepted"
[[ ! -e "$C/Program Files/mamori/mamori-facts.exe" ]] || fail "a failed install left the programs"
grep -q "SERVER: expected HOST:PORT" "$install_log" || fail "no reason in mamori-install.log"
ok "bad SERVER: msiexec exit $rc, rolled back, reason in ProgramData\\mamori-install.log"

msiexec /i "$winmsi" /qn SERVER="$SERVER" TOKEN="$TOKEN" CA_SHA256="$FP" ||
  fail "silent install failed: $(tail -5 "$install_log" 2>/dev/null)"
[[ -f "$C/Program Files/mamori/mamori-facts.exe" && -f "$C/Program Files/mamori/mamori-msi-config.exe" ]] ||
  fail "programs not installed"
grep -q "server: $SERVER" "$C/ProgramData/mamori/agent.conf" || fail "agent.conf"
if grep -rq "$TOKEN" "$install_log" 2>/dev/null; then fail "token logged"; fi
if [[ $full_agent == 1 ]]; then
  [[ -f "$C/Program Files/mamori/mamori-agent.exe" ]] || fail "mamori-agent.exe not installed"
  [[ -s "$C/ProgramData/mamori/state/identity.json" ]] || fail "not enrolled: $(tail -5 "$install_log")"
  [[ ! -e "$C/ProgramData/mamori/enroll.conf" && ! -e "$C/ProgramData/mamori/enroll.token" ]] ||
    fail "the spent token is still on disk"
  ok "silent install enrolled (state\\identity.json), the spent enroll.conf deleted"
  state=$(service_state)
  for _ in $(seq 1 50); do [[ $state == RUNNING ]] && break; sleep 0.2; state=$(service_state); done
  [[ $state == RUNNING ]] || fail "the service is $state after the install"
  # Wine's sc has no "qc": the start type from the service's registry key
  # (2 = automatic).
  start_type=$(wine reg query 'HKLM\System\CurrentControlSet\Services\mamori-agent' /v Start \
    </dev/null 2>/dev/null | tr -d '\r' | awk '/Start/ {print $NF}')
  [[ $start_type == 0x2 ]] || fail "the service does not start automatically (Start=$start_type)"
  # A first collection under Wine takes 10-60 s, more under load.
  for _ in $(seq 1 1500); do [[ $(reports) -ge 1 ]] && break; sleep 0.2; done
  [[ $(reports) -ge 1 ]] || fail "the service sent no report (agent.log: $(tail -5 "$C/ProgramData/mamori/state/agent.log" 2>/dev/null))"
  ok "the service mamori-agent is automatic, running, and its report reached the collector"
else
  grep -q "token: $TOKEN" "$C/ProgramData/mamori/enroll.conf" || fail "enroll.conf"
  grep -q "ca_sha256: $FP" "$C/ProgramData/mamori/enroll.conf" || fail "enroll.conf fingerprint"
  ok "silent install: Program Files\\mamori and ProgramData\\mamori\\{agent,enroll}.conf written"
fi

wine "$C/Program Files/mamori/mamori-facts.exe" --family system --format json </dev/null 2>/dev/null |
  grep -q '"system"' || fail "installed mamori-facts.exe does not run"
ok "installed mamori-facts.exe runs"

msiexec /x "$winmsi" /qn || fail "uninstall"
[[ ! -e "$C/Program Files/mamori/mamori-facts.exe" ]] || fail "uninstall left the programs"
[[ -f "$C/ProgramData/mamori/agent.conf" ]] || fail "uninstall without REMOVE_DATA deleted the data"
if [[ $full_agent == 1 ]]; then
  [[ $(service_state) == absent ]] || fail "uninstall left the service ($(service_state))"
  [[ -s "$C/ProgramData/mamori/state/identity.json" ]] || fail "uninstall deleted the identity"
  ok "uninstall stops and deletes the service, removes the programs, keeps ProgramData\\mamori (identity)"
else
  ok "uninstall removes the programs, keeps ProgramData\\mamori"
fi

# Reinstall (an enrolled computer keeps its identity: no second enrollment).
msiexec /i "$winmsi" /qn SERVER="$SERVER" TOKEN="$TOKEN" CA_SHA256="$FP" || fail "reinstall"

# --- upgrade to the next version, built from the same tree -------------------
next="${version%.*}.$((${version##*.} + 1))"
next_dist="$WINEPREFIX.next"
rm -rf "$next_dist"
MAMORI_PKG_ONLY=msi MAMORI_VERSION="$next" MAMORI_DIST="$next_dist" "$ROOT/scripts/package.sh" \
  >"$ROOT/build-win/msi-next-package.log" 2>&1 ||
  fail "the next version's MSI: $(tail -5 "$ROOT/build-win/msi-next-package.log")"
next_msi=$(winepath -w "$next_dist/mamori-agent-$next-x64.msi" 2>/dev/null)
# The DisplayVersion of every installed product named "mamori agent" (the
# Uninstall keys Windows Installer writes), one a line.
products() {
  wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s </dev/null 2>/dev/null |
    tr -d '\r' | python3 -c '
import re, sys
keys, cur = [], None
for line in sys.stdin:
    if line.startswith("HKEY"):
        cur = {}; keys.append(cur)
    elif cur is not None:
        m = re.match(r"\s+(\S+)\s+REG_\w+\s+(.*)$", line)
        if m: cur[m.group(1)] = m.group(2).strip()
for k in keys:
    if k.get("DisplayName") == "mamori agent":
        print(k.get("DisplayVersion", "?"))'
}
[[ $(products) == "$version" ]] || fail "before the upgrade: installed versions '$(products)', expected $version"
state_dir="$C/ProgramData/mamori/state"
before_conf=$(sha256sum <"$C/ProgramData/mamori/agent.conf")
queued=
if [[ $full_agent == 1 ]]; then
  # A report queued while the collector is down: stop the collector and the
  # service, run the installed agent once (exit 3: queued, not sent).
  kill "$collector_pid"; wait "$collector_pid" 2>/dev/null || true; collector_pid=
  wine sc stop mamori-agent </dev/null >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do [[ $(service_state) == STOPPED ]] && break; sleep 0.2; done
  rc=0
  wine "$C/Program Files/mamori/mamori-agent.exe" once </dev/null >"$work/once.log" 2>&1 || rc=$?
  [[ $rc -eq 3 ]] || fail "mamori-agent once with the collector down: exit $rc ($(tail -3 "$work/once.log"))"
  spool_ids() {
    python3 -c 'import sqlite3,sys; print("\n".join(r[0] for r in sqlite3.connect("file:"+sys.argv[1]+"?mode=ro", uri=True, timeout=10).execute("SELECT report_id FROM reports ORDER BY report_id")))' \
      "$state_dir/spool.db"
  }
  queued=$(spool_ids)
  [[ -n $queued ]] || fail "nothing queued in spool.db with the collector down"
  before_identity=$(sha256sum <"$state_dir/identity.json")
fi
msiexec /i "$next_msi" /qn || fail "the upgrade to $next failed: $(tail -5 "$install_log" 2>/dev/null)"
[[ $(products) == "$next" ]] || fail "after the upgrade: installed versions '$(products)', expected only $next"
[[ -f "$C/Program Files/mamori/mamori-facts.exe" ]] || fail "the upgrade left no mamori-facts.exe"
grep -q "^mamori agent $next" "$C/Program Files/mamori/README.txt" ||
  fail "the upgrade did not replace the files (README.txt: $(head -1 "$C/Program Files/mamori/README.txt"))"
[[ $(sha256sum <"$C/ProgramData/mamori/agent.conf") == "$before_conf" ]] || fail "the upgrade changed agent.conf"
ok "upgrade $version -> $next (msiexec /i, no properties): one product installed ($next), files replaced, agent.conf unchanged"
if [[ $full_agent == 1 ]]; then
  [[ -f "$C/Program Files/mamori/mamori-agent.exe" ]] || fail "the upgrade left no mamori-agent.exe"
  [[ $(sha256sum <"$state_dir/identity.json") == "$before_identity" ]] || fail "the upgrade changed the identity"
  missing=$(comm -23 <(echo "$queued") <(spool_ids))
  [[ -z $missing ]] || fail "the upgrade lost queued reports: $missing"
  state=$(service_state)
  for _ in $(seq 1 50); do [[ $state == RUNNING ]] && break; sleep 0.2; state=$(service_state); done
  [[ $state == RUNNING ]] || fail "the service is $state after the upgrade"
  start_type=$(wine reg query 'HKLM\System\CurrentControlSet\Services\mamori-agent' /v Start \
    </dev/null 2>/dev/null | tr -d '\r' | awk '/Start/ {print $NF}')
  [[ $start_type == 0x2 ]] || fail "after the upgrade the service does not start automatically (Start=$start_type)"
  # The collector back at the same address: the upgraded service delivers
  # the report queued before the upgrade, as the same host.
  serve "$SERVER"
  delivered() {
    python3 -c '
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True, timeout=10)
got = {r[0] for r in db.execute("SELECT report_id FROM reports")}
hosts = db.execute("SELECT count(*) FROM hosts").fetchone()[0]
print("yes" if set(sys.argv[2].split()) <= got and hosts == 1 else "no")' "$data/collector.db" "$queued"
  }
  for _ in $(seq 1 900); do [[ $(delivered) == yes ]] && break; sleep 0.2; done
  [[ $(delivered) == yes ]] || fail "the report queued before the upgrade was not delivered (agent.log: $(tail -5 "$state_dir/agent.log" 2>/dev/null))"
  ok "upgrade kept the identity (same host, no second enrollment) and the spool: the report queued before it was delivered by the upgraded, automatic, running service"
fi
# Uninstall with REMOVE_DATA=1.
msiexec /x "$next_msi" /qn REMOVE_DATA=1 || fail "uninstall REMOVE_DATA=1"
[[ -z $(products) ]] || fail "after the uninstall: installed versions '$(products)'"
[[ ! -e "$C/ProgramData/mamori" ]] || fail "REMOVE_DATA=1 kept ProgramData\\mamori"
ok "uninstall with REMOVE_DATA=1 deletes ProgramData\\mamori"
echo "msi test OK ($checks checks)"
