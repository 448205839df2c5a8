#!/usr/bin/env bash
# Checks dist/mamori-agent-*.msi (issue #16): its tables with msiinfo, then
# under Wine (a prefix of its own, made from build-win's template when
# scripts/test-windows.sh left one): a silent install with SERVER, TOKEN and
# CA_SHA256 puts the programs in Program Files and the configuration in
# ProgramData; a bad SERVER fails the install (1603) and leaves nothing;
# uninstall keeps ProgramData\mamori, REMOVE_DATA=1 deletes it. Prints
# "msi test OK (N checks)". Wine does not enforce DACLs on its files, so the
# protected DACL is checked on Windows only (see packaging/README.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIST=$(cd "$1" && pwd)
msi=$(ls "$DIST"/mamori-agent-*-x64.msi | head -1)
checks=0
fail() { echo "msi test FAILED: $*" >&2; exit 1; }
ok() { checks=$((checks + 1)); echo "  ok: $*"; }

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
actions=$(table CustomAction)
grep -qP '^ConfigureAgent\t3090\tMsiConfigExe\tconfigure "\[SERVER\]" "\[CA_SHA256\]" "\[TOKEN\]"' <<<"$actions" ||
  fail "ConfigureAgent is not a deferred, system-context exe action: $actions"
sequence=$(table InstallExecuteSequence)
grep -qP '^RemoveAgentData\tREMOVE="ALL" AND REMOVE_DATA="1"\t3490$' <<<"$sequence" || fail "RemoveAgentData sequence"
grep -qP '^ConfigureAgent\tSERVER AND NOT REMOVE\t' <<<"$sequence" || fail "ConfigureAgent sequence"
grep -qP '^MsiHiddenProperties\tTOKEN' <<<"$(table Property)" || fail "TOKEN not hidden from the log"
ok "msiinfo: tables, files, custom actions (deferred, SYSTEM), sequence, hidden token"

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
C="$WINEPREFIX/drive_c"
FP=00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF
winmsi=$(winepath -w "$msi" 2>/dev/null)

rc=0
wine msiexec /i "$winmsi" /qn "SERVER=collector;calc" TOKEN=mtk_abcdefgh CA_SHA256=$FP </dev/null >/dev/null 2>&1 || rc=$?
wineserver -w
[[ $rc -ne 0 ]] || fail "a bad SERVER was accepted"
[[ ! -e "$C/Program Files/mamori/mamori-facts.exe" ]] || fail "a failed install left the programs"
grep -q "SERVER: expected HOST:PORT" "$C/ProgramData/mamori-install.log" || fail "no reason in mamori-install.log"
ok "bad SERVER: msiexec exit $rc, rolled back, reason in ProgramData\\mamori-install.log"

wine msiexec /i "$winmsi" /qn SERVER=collector.example.jp:50443 TOKEN=mtk_abcdefgh CA_SHA256=$FP </dev/null >/dev/null 2>&1 ||
  fail "silent install failed"
wineserver -w
[[ -f "$C/Program Files/mamori/mamori-facts.exe" && -f "$C/Program Files/mamori/mamori-msi-config.exe" ]] ||
  fail "programs not installed"
grep -q "server: collector.example.jp:50443" "$C/ProgramData/mamori/agent.conf" || fail "agent.conf"
grep -q "token: mtk_abcdefgh" "$C/ProgramData/mamori/enroll.conf" || fail "enroll.conf"
grep -q "ca_sha256: $FP" "$C/ProgramData/mamori/enroll.conf" || fail "enroll.conf fingerprint"
if grep -rq "mtk_abcdefgh" "$C/ProgramData/mamori-install.log" 2>/dev/null; then fail "token logged"; fi
ok "silent install: Program Files\\mamori and ProgramData\\mamori\\{agent,enroll}.conf written"

wine "$C/Program Files/mamori/mamori-facts.exe" --family system --format json </dev/null 2>/dev/null |
  grep -q '"system"' || fail "installed mamori-facts.exe does not run"
ok "installed mamori-facts.exe runs"

wine msiexec /x "$winmsi" /qn </dev/null >/dev/null 2>&1 || fail "uninstall"
wineserver -w
[[ ! -e "$C/Program Files/mamori/mamori-facts.exe" ]] || fail "uninstall left the programs"
[[ -f "$C/ProgramData/mamori/agent.conf" ]] || fail "uninstall without REMOVE_DATA deleted the data"
ok "uninstall removes the programs, keeps ProgramData\\mamori"

wine msiexec /i "$winmsi" /qn SERVER=collector.example.jp:50443 TOKEN=mtk_abcdefgh CA_SHA256=$FP </dev/null >/dev/null 2>&1 ||
  fail "reinstall"
wine msiexec /x "$winmsi" /qn REMOVE_DATA=1 </dev/null >/dev/null 2>&1 || fail "uninstall REMOVE_DATA=1"
wineserver -w
[[ ! -e "$C/ProgramData/mamori" ]] || fail "REMOVE_DATA=1 kept ProgramData\\mamori"
ok "uninstall with REMOVE_DATA=1 deletes ProgramData\\mamori"
echo "msi test OK ($checks checks)"
