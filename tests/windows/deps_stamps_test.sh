#!/usr/bin/env bash
# The library prefix of scripts/windows-deps.sh is never half-used: a
# library counts as present only with its identity (version, patches) and
# every file it installed at its size, and the prefix as complete only with
# .complete and every library present. Runs the real stamp functions
# (scripts/windows-deps/stamps.sh) on a small prefix in a temporary folder.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

PREFIX="$work/prefix"
PATCHES="$work/patches"
ORDER=(alpha beta)
declare -A VERSION=([alpha]=1.0-1 [beta]=2.0-3)
# shellcheck source=../../scripts/windows-deps/stamps.sh
source "$root/scripts/windows-deps/stamps.sh"
trap 'rm -rf "$work" "$STAMPS_LISTING"' EXIT

passed=0
failed=0
expect() {  # expect yes|no DESCRIPTION COMMAND...
  local want=$1 what=$2; shift 2
  stamps_listed=  # the prefix changed since the last check
  if "$@"; then got=yes; else got=no; fi
  if [[ $got == "$want" ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $what (expected $want, got $got)"
  fi
}

install_lib() {  # install_lib NAME FILE... : stage, copy in, stamp
  local name=$1 stage="$work/stage-$1" f; shift
  rm -rf "$stage"
  for f in "$@"; do
    mkdir -p "$stage/$(dirname "$f")"
    printf 'contents of %s\n' "$f" >"$stage/$f"
  done
  mkdir -p "$PREFIX"
  cp -a "$stage/." "$PREFIX/"
  write_stamp "$name" "$stage"
}

expect no "an empty prefix is not complete" prefix_complete
install_lib alpha lib/libalpha.a include/alpha.h "include/sub dir/with space.h"
expect yes "a stamped library is present" stamp_ok alpha
expect no "an unstamped library is absent" stamp_ok beta
install_lib beta lib/libbeta.a include/beta.h
expect no "without .complete the prefix is not complete" prefix_complete
echo done >"$PREFIX/.complete"
expect yes "every library stamped and .complete: complete" prefix_complete

rm "$PREFIX/include/beta.h"
expect no "a deleted file makes its library absent" stamp_ok beta
expect yes "and leaves the others present" stamp_ok alpha
expect no "and the prefix incomplete" prefix_complete
install_lib beta lib/libbeta.a include/beta.h
expect yes "reinstalled, the prefix is complete again" prefix_complete

printf 'x' >>"$PREFIX/lib/libalpha.a"
expect no "a file whose size changed makes its library absent" stamp_ok alpha
install_lib alpha lib/libalpha.a include/alpha.h "include/sub dir/with space.h"
rm "$PREFIX/include/sub dir/with space.h"
expect no "a path with a space is checked too" stamp_ok alpha
install_lib alpha lib/libalpha.a include/alpha.h "include/sub dir/with space.h"
expect yes "restored" stamp_ok alpha

VERSION[alpha]=1.1-1
expect no "another version makes the library absent" stamp_ok alpha
VERSION[alpha]=1.0-1
mkdir -p "$PATCHES/beta"
printf 'Why: a test.\n' >"$PATCHES/beta/0001-x.patch"
expect no "a new patch makes its library absent" stamp_ok beta
expect yes "and not the others" stamp_ok alpha
install_lib beta lib/libbeta.a include/beta.h
expect yes "restamped with the patch, present" stamp_ok beta
printf 'Why: changed.\n' >"$PATCHES/beta/0001-x.patch"
expect no "a changed patch makes its library absent" stamp_ok beta
printf 'garbage' >"$PREFIX/.stamps/alpha"
expect no "a corrupt stamp makes its library absent" stamp_ok alpha

echo "deps stamps: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
