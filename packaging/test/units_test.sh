#!/usr/bin/env bash
# Checks packaging/systemd/*.service: `systemd-analyze verify` in a fixture
# root (the host's targets, executables at the ExecStart paths) must print
# nothing, and `systemd-analyze security --offline=true` must score the
# collector ≤ 2.0 and the agent ≤ 5.0 (issue #16). With --peers DIR it also
# scores every *.service under DIR (peers' units extracted from their debs).
# Prints "units OK" when every check passed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
units="$here/systemd"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail=0

mkdir -p "$root/lib/systemd/system" "$root/usr/bin" "$root/etc/systemd/system"
cp -a /lib/systemd/system/*.target "$root/lib/systemd/system/"
cp "$units"/*.service "$root/lib/systemd/system/"
for exe in $(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$units"/*.service); do
  mkdir -p "$root$(dirname "$exe")"
  printf '#!/bin/sh\n' >"$root$exe"
  chmod 0755 "$root$exe"
done

names=()
for u in "$units"/*.service; do names+=("$(basename "$u")"); done
out=$(systemd-analyze verify --root="$root" "${names[@]}" 2>&1) || {
  echo "systemd-analyze verify failed:"; echo "$out"; fail=1; }
if [[ -n "$out" ]]; then
  echo "systemd-analyze verify printed warnings (must print nothing):"
  echo "$out"
  fail=1
else
  echo "systemd-analyze verify: ${names[*]}: clean"
fi

score() {
  systemd-analyze security --offline=true "$1" 2>/dev/null |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
check() {
  local unit=$1 limit=$2 s
  s=$(score "$units/$unit")
  if [[ -z "$s" ]]; then echo "$unit: no score"; fail=1; return; fi
  if awk -v s="$s" -v l="$limit" 'BEGIN { exit !(s <= l) }'; then
    echo "$unit: exposure $s (target ≤ $limit)"
  else
    echo "$unit: exposure $s is above the target $limit"; fail=1
  fi
}
check mamori-collector.service 2.0
check mamori-agent.service 5.0

if [[ "${1:-}" == "--peers" && -d "${2:-}" ]]; then
  while IFS= read -r u; do
    printf 'peer %s: exposure %s\n' "$(basename "$u")" "$(score "$u")"
  done < <(find "$2" -name '*.service' | sort)
fi

[[ $fail -eq 0 ]] && echo "units OK"
exit "$fail"
