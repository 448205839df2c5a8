#!/usr/bin/env bash
# scripts/test-windows.sh fails with the reason, before building anything,
# when the mingw-w64 -posix compilers or Wine are missing, and leaves the
# summary "0 1" that scripts/test.sh counts as one failure (scripts/test.sh
# then goes on with its other steps). Runs the real script with a PATH that
# lacks those tools and a build folder of its own.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
# run_without PATTERN EXPECTED...: test-windows.sh with every command of
# /usr/bin except those matching PATTERN; it must exit 1 naming EXPECTED.
run_without() {
  local pattern=$1; shift
  local bin="$work/bin-$RANDOM" f
  mkdir -p "$bin"
  ln -s /usr/bin/* "$bin/"
  for f in "$bin"/*; do
    [[ ${f##*/} =~ $pattern ]] && rm "$f"
  done
  local build="$work/build-$RANDOM" rc=0
  PATH="$bin" MAMORI_WIN_BUILD_DIR="$build" "$root/scripts/test-windows.sh" \
    >"$work/out" 2>&1 || rc=$?
  local ok=1 want
  [[ $rc -eq 1 ]] || { echo "FAIL: exit $rc, expected 1"; ok=0; }
  for want in "$@"; do
    grep -q "FAILED: .*$want.* not found" "$work/out" ||
      { echo "FAIL: the reason does not name $want"; ok=0; }
  done
  [[ $(cat "$build/agent/ctest-summary.txt" 2>/dev/null) == "0 1" ]] ||
    { echo "FAIL: the summary is not \"0 1\""; ok=0; }
  [[ ! -e $build/gtest-build ]] || { echo "FAIL: it built before failing"; ok=0; }
  if [[ $ok -eq 1 ]]; then
    passed=$((passed + 1))
    echo "ok: without $pattern: $(grep FAILED "$work/out")"
  else
    failed=$((failed + 1))
    sed 's/^/    /' "$work/out" | head -20
  fi
}

run_without '^x86_64-w64-mingw32-' x86_64-w64-mingw32-g++-posix
run_without '^wine' wineserver

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
