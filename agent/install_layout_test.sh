#!/usr/bin/env bash
# Installs the agent from a build tree into a temporary prefix, as a package
# would (cmake --install), and checks the layout: mamori-agent in bin/ runs
# `facts` itself and enroll/once/run through libexec/mamori/
# mamori-agent-delivery; mamori-agent needs none of the transport's libraries
# (gRPC, protobuf, abseil, SQLite, yaml-cpp), which would cost `facts` ≈ 8 MiB
# of RSS at start, nor librpm (≈ 2.3 MiB: the rpm gatherer dlopen()s it, on
# rpm systems only).
#
# Usage: agent/install_layout_test.sh BUILD_DIR [CMAKE]
set -euo pipefail
BUILD=$1
CMAKE=${2:-cmake}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install_layout_test: $*" >&2; exit 1; }

"$CMAKE" --install "$BUILD" --prefix "$tmp/usr" >/dev/null
[[ -x "$tmp/usr/bin/mamori-agent" ]] || fail "no bin/mamori-agent"
[[ -x "$tmp/usr/libexec/mamori/mamori-agent-delivery" ]] ||
  fail "no libexec/mamori/mamori-agent-delivery"
if [[ -e "$BUILD/agent/mamori-agent-check" ]]; then  # built with the collector
  [[ -x "$tmp/usr/libexec/mamori/mamori-agent-check" ]] ||
    fail "no libexec/mamori/mamori-agent-check"
  out=$("$tmp/usr/bin/mamori-agent" check --help)
  grep -q "Usage: mamori-agent check" <<<"$out" || fail "check --help: $out"
fi

needed=$(readelf -d "$tmp/usr/bin/mamori-agent" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for lib in grpc protobuf absl sqlite3 yaml-cpp upb boost_program_options librpm; do
  if grep -q "$lib" <<<"$needed"; then
    fail "mamori-agent links $(grep "$lib" <<<"$needed" | tr '\n' ' ')(see agent/CMakeLists.txt)"
  fi
done

out=$("$tmp/usr/bin/mamori-agent" once --help)
grep -q "Usage: mamori-agent once" <<<"$out" || fail "once --help: $out"
rc=0
out=$("$tmp/usr/bin/mamori-agent" enroll 2>&1) || rc=$?
[[ $rc == 2 ]] || fail "enroll without arguments: exit $rc, want 2: $out"
grep -q "mamori-agent enroll" <<<"$out" || fail "enroll usage: $out"
"$tmp/usr/bin/mamori-agent" facts --family system --format json |
  grep -q '"os_id"' || fail "facts from the install"
# Moved away from its libexec directory, the agent says what is missing.
mv "$tmp/usr/libexec" "$tmp/libexec.away"
rc=0
out=$("$tmp/usr/bin/mamori-agent" run 2>&1) || rc=$?
[[ $rc == 1 ]] || fail "run without the delivery program: exit $rc, want 1"
grep -q "$tmp/usr/libexec/mamori/mamori-agent-delivery" <<<"$out" ||
  fail "error does not name the install location: $out"
rc=0
out=$("$tmp/usr/bin/mamori-agent" check 2>&1) || rc=$?
[[ $rc == 4 ]] || fail "check without the check program: exit $rc, want 4"
grep -q "$tmp/usr/libexec/mamori/mamori-agent-check" <<<"$out" ||
  fail "check's error does not name the install location: $out"
echo "install layout OK"
