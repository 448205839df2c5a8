#!/usr/bin/env bash
# Checks dist/mamori-agent-*.rpm (issue #16): file list, modes and
# scriptlets with `rpm -qlp --scripts`, then installs it with
# `rpm --root DIR` into a fixture root (a copy of the cached Debian 12 root,
# which has the /bin/sh the scriptlets need; no RHEL root is available
# here) with a malformed /etc/mamori/enroll.conf: files and modes land as
# listed, %post reports the reason and leaves the agent unenrolled, and
# erase removes the files. Prints "rpm test OK (N checks)".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DIST=$(cd "$1" && pwd)
rpmfile=$(ls "$DIST"/mamori-agent-*.el9.x86_64.rpm | head -1)
checks=0
fail() { echo "rpm test FAILED: $*" >&2; exit 1; }
ok() { checks=$((checks + 1)); echo "  ok: $*"; }
[[ $(id -u) -eq 0 ]] || fail "needs root (debootstrap, chroot, mount)"

listing=$(rpm -qlp --scripts "$rpmfile")
for path in /usr/bin/mamori-agent /usr/libexec/mamori/mamori-agent-delivery \
            /usr/libexec/mamori/mamori-agent-check \
            /usr/libexec/mamori/mamori-agent-install-enroll /etc/mamori/agent.conf \
            /usr/lib/systemd/system/mamori-agent.service /var/lib/mamori; do
  grep -qx "$path" <<<"$listing" || fail "$path not in the rpm"
done
ok "file list ($(grep -c '^/' <<<"$listing") paths)"
for s in "postinstall scriptlet" "preuninstall scriptlet" "postuninstall scriptlet"; do
  grep -q "^$s" <<<"$listing" || fail "no $s"
done
grep -q "mamori-agent-install-enroll conf" <<<"$listing" || fail "%post does not enroll"
ok "scriptlets: %post enrolls, %preun, %postun"
modes=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpmfile")
grep -q '^drwx------ root:root  /var/lib/mamori$' <<<"$modes" || fail "/var/lib/mamori not 0700: $modes"
grep -q '^-rw-r--r-- root:root cn /etc/mamori/agent.conf$' <<<"$modes" || fail "agent.conf not a 0644 config(noreplace) file"
grep -q '^-rwxr-xr-x root:root  /usr/bin/mamori-agent$' <<<"$modes" || fail "mamori-agent mode"
ok "modes: state 0700, agent.conf %config(noreplace) 0644, programs 0755"
requires=$(rpm -qp --requires "$rpmfile")
grep -q 'libgrpc++.so' <<<"$requires" || fail "no shared-library Requires generated"
ok "Requires generated from the programs ($(wc -l <<<"$requires") entries)"

cached=$("$here/debian12-root.sh")
W=$(mktemp -d /var/tmp/mamori-rpm-test.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp -a "$cached" "$W/root"
R="$W/root"
mkdir -p "$R/etc/mamori"
printf 'server collector.example.jp\n' >"$R/etc/mamori/enroll.conf"
rpm --root "$R" --initdb
out=$(rpm --root "$R" -ivh --nodeps "$rpmfile" 2>&1) || fail "rpm -i: $out"
grep -q 'line 1: expected "key: value"' <<<"$out" || fail "%post did not report the bad enroll.conf: $out"
[[ ! -e "$R/var/lib/mamori/identity.json" ]] || fail "enrolled from a bad file"
ok "rpm --root install: %post reports the malformed enroll.conf, not enrolled"
[[ $(stat -c '%U %a' "$R/var/lib/mamori") == "root 700" ]] || fail "state dir mode after install"
[[ -x "$R/usr/bin/mamori-agent" && -f "$R/usr/lib/systemd/system/mamori-agent.service" ]] ||
  fail "files missing after install"
[[ $(rpm --root "$R" -q mamori-agent) == mamori-agent-* ]] || fail "not in the rpm database"
ok "installed files and modes in the fixture root"
rpm --root "$R" -e --nodeps mamori-agent >/dev/null 2>&1 || fail "rpm -e"
[[ ! -e "$R/usr/bin/mamori-agent" ]] || fail "erase left the program"
ok "erase removes the programs"
echo "rpm test OK ($checks checks)"
