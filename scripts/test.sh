#!/usr/bin/env bash
# Installs dependencies, builds everything with warnings as errors and runs
# every test: ctest (unit + integration), the unit tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer, the Windows fact library
# cross-built with mingw and run under Wine, the libFuzzer targets for a
# bounded time (scripts/fuzz.sh), clang-format and clang-tidy.
#
# Environment:
#   MAMORI_JOBS   parallel jobs (default: nproc)
#   MAMORI_SKIP   space-separated steps to skip: format tidy asan windows packages browser fuzz postgres
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${MAMORI_JOBS:-$(nproc)}
SKIP=" ${MAMORI_SKIP:-} "
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Paths under the checkout hash as relative ones, so clones in other folders
# (CI, a second worktree) share cached objects.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
# The sanitizer and fuzz builds carry -g1; without this ccache keys their objects
# by the checkout folder, so a fresh clone (CI) compiled them all cold.
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
SUMMARY=()
PASSED=0
FAILED=0
START=$(date +%s)

step() { printf '\n==> %s\n' "$*"; }
skipped() { [[ "$SKIP" == *" $1 "* ]]; }

# Runs ctest with the given arguments and adds its counts to the totals.
run_ctest() {
  local name=$1; shift
  local log
  log=$(mktemp)
  local rc=0
  ctest "$@" --output-on-failure --no-tests=error 2>&1 | tee "$log" || rc=$?
  rc=${PIPESTATUS[0]:-$rc}
  local line total failed
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
  if [[ -n "$line" ]]; then
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    PASSED=$((PASSED + total - failed))
    FAILED=$((FAILED + failed))
    SUMMARY+=("$name: $line")
    # CI shows only the end of the output: name what failed there too.
    local failed_test
    while read -r failed_test; do
      [[ -n "$failed_test" ]] && SUMMARY+=("  failed: $failed_test")
    done < <(sed -n '/The following tests FAILED:/,/^$/p' "$log" |
             grep -E '^[[:space:]]+[0-9]+ - ' | sed -E 's/^[[:space:]]+//' | head -10)
  else
    FAILED=$((FAILED + 1))
    SUMMARY+=("$name: ctest printed no summary (exit $rc)")
  fi
  rm -f "$log"
  return "$rc"
}

step "bootstrap"
scripts/bootstrap.sh

status=0

if ! skipped format; then
  step "format (clang-format, Google style)"
  mapfile -t sources < <(git ls-files '*.cpp' '*.h' | grep -v '^third_party/' || true)
  if [[ ${#sources[@]} -gt 0 ]] && ! clang-format --dry-run --Werror "${sources[@]}"; then
    echo "format: run 'clang-format -i' on the files above" >&2
    exit 1
  fi
  echo "format: ${#sources[@]} files clean"
  SUMMARY+=("clang-format: ${#sources[@]} files clean")
fi

step "build (Release, -Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$JOBS"

step "ctest (unit + integration)"
run_ctest "ctest" --test-dir build -j "$JOBS" --timeout 600 || status=1

# --- PostgreSQL (#17): the PostgreSQL tests again (names with "postgres":
# the /postgres cases of the parameterised store, check-query and grading
# suites, skipped in the run above — SameResultsOnBothBackends compares every
# built-in check's results with SQLite's —, the register, unmanaged-devices
# and alert store suites (two collectors racing to deliver), migrate's
# MigratePostgresTest, CollectorPostgresTest and CollectorMigrateTest: a
# SQLite collector migrated while serving, same grades after), now against a
# throw-away PostgreSQL 15 cluster (scripts/pg-cluster.sh: initdb as an
# unprivileged user in a temporary directory, Unix socket only; stopped and
# removed at exit, also when the run is interrupted). Each test makes its
# own database. About 1 min on 2 cores; then the two fault tests below
# (HAProxy + SIGKILL + restart, and failover to a standby), each on a
# cluster of its own, about 1 min together.
if ! skipped postgres; then
  step "PostgreSQL 15: store suites and two collectors on one database"
  PG_DIR=$(scripts/pg-cluster.sh start)
  trap 'scripts/pg-cluster.sh stop "$PG_DIR" || true' EXIT
  eval "$(scripts/pg-cluster.sh env "$PG_DIR")"
  export MAMORI_TEST_PG_URL
  run_ctest "postgres" --test-dir build -R '[Pp]ostgres' -j "$JOBS" --timeout 600 || status=1
  unset MAMORI_TEST_PG_URL
  scripts/pg-cluster.sh stop "$PG_DIR" || true
  trap - EXIT
  # Two collectors behind HAProxy, 1,000 simulated agents, one collector
  # SIGKILLed and PostgreSQL restarted mid-run: 0 lost, 0 doubled. Its own
  # cluster (it restarts it). About 10-30 s.
  if timeout 300 tests/pg_haproxy_test.sh build/collector/mamori-collector \
       build/bench/mamori-loadgen "$ROOT"; then
    PASSED=$((PASSED + 1))
    SUMMARY+=("postgres haproxy: passed")
  else
    status=1
    FAILED=$((FAILED + 1))
    SUMMARY+=("postgres haproxy: FAILED")
  fi
  # A crashed primary and a promoted synchronous standby under load: the
  # collectors reconnect by themselves, 0 lost, 0 doubled. About 20-50 s.
  if timeout 300 tests/pg_failover_test.sh build/collector/mamori-collector \
       build/bench/mamori-loadgen "$ROOT"; then
    PASSED=$((PASSED + 1))
    SUMMARY+=("postgres failover: passed")
  else
    status=1
    FAILED=$((FAILED + 1))
    SUMMARY+=("postgres failover: FAILED")
  fi
fi

# --- web console (#14): the front-end check (catalogue keys in ja and en,
# modules parse, no inline script) and the browser tests with Debian's
# chromium + playwright-core against a real collector and agents. Bounded by
# timeout: about 1 min warm, well under 5 min cold (chromium start-up).
if ! skipped browser; then
  step "web console: front-end check and browser tests (chromium)"
  if (cd web && npm run --silent build) &&
     timeout 300 tests/console_browser_test.sh build/collector/mamori-collector \
       build/agent/mamori-agent "$ROOT" "$ROOT/build/console-screenshots"; then
    PASSED=$((PASSED + 1))
    SUMMARY+=("browser: passed (screenshots in build/console-screenshots)")
  else
    status=1
    FAILED=$((FAILED + 1))
    SUMMARY+=("browser: FAILED")
  fi
fi

if ! skipped asan; then
  step "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMAMORI_SANITIZE=ON \
        -DMAMORI_UNIT_TESTS_ONLY=ON >/dev/null
  # Only the unit-test executables (and what they link): the programs and
  # integration tests are exercised by the main build.
  mapfile -t unit_targets < <(ctest --test-dir build -L unit --show-only=json-v1 |
    /usr/bin/python3 -c 'import json,sys,os
names = {os.path.basename(t["command"][0]) for t in json.load(sys.stdin)["tests"] if t.get("command")}
print("\n".join(sorted(names)))')
  mapfile -t known < <(cmake --build build-asan --target help | sed -n 's/^\([A-Za-z0-9_.-]*\): .*/\1/p')
  build_targets=()
  for t in "${unit_targets[@]}"; do
    if printf '%s\n' "${known[@]}" | grep -qx "$t"; then build_targets+=("$t"); fi
  done
  cmake --build build-asan -j "$JOBS" --target "${build_targets[@]}"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    run_ctest "asan+ubsan" --test-dir build-asan -L unit -j "$JOBS" --timeout 600 || status=1
fi

if ! skipped windows && [[ -x scripts/test-windows.sh ]]; then
  step "Windows fact library: mingw-w64 cross build, tests under Wine"
  wine_status=passed
  if ! scripts/test-windows.sh; then
    status=1
    wine_status=FAILED
  fi
  # Count the Wine ctest run too (it writes its own summary file).
  wp=0 wf=0
  if [[ -f build-win/agent/ctest-summary.txt ]]; then
    read -r wp wf < build-win/agent/ctest-summary.txt || true
    PASSED=$((PASSED + ${wp:-0})); FAILED=$((FAILED + ${wf:-0}))
  fi
  SUMMARY+=("windows under Wine: $wine_status (${wp:-0} passed, ${wf:-0} failed)")
  if [[ $wine_status != passed && -s build-win/agent/failed-names.txt ]]; then
    while read -r failed_test; do
      SUMMARY+=("  failed: $failed_test")
    done < <(head -10 build-win/agent/failed-names.txt)
  fi
fi

# --- issue #16: packages and the install test ---------------------------------
# scripts/package.sh (debs + lintian, rpm, MSI), then the rpm and MSI checks
# and the install test in a Debian 12 chroot, then the boot test (the units
# under a real systemd in systemd-nspawn). Needs root. Cold ≈ 7 min on 2
# cores: debootstrap ≈ 80 s (cached in ~/.cache/mamori), package.sh ≈ 2.5 min
# (objects come from the main and Windows builds' ccache), rpm 35 s, MSI
# under Wine ≈ 81 s plus the MSI's Release cross build, install test 100 s
# (measured: packaging/README.md).
if ! skipped packages; then
  step "packages: .deb (lintian), .rpm, .msi; install test in a Debian 12 chroot"
  pkg_results=()
  pkg_failed=0
  run_pkg() {
    local name=$1; shift
    if "$@"; then pkg_results+=("$name ok"); PASSED=$((PASSED + 1))
    else pkg_results+=("$name FAILED"); FAILED=$((FAILED + 1)); pkg_failed=1; fi
  }
  run_pkg package.sh scripts/package.sh
  if [[ $pkg_failed -eq 0 ]]; then
    run_pkg rpm packaging/test/rpm_test.sh dist
    run_pkg msi packaging/test/msi_test.sh dist build/collector/mamori-collector
    run_pkg install timeout 900 packaging/test/install_test.sh dist build/bench/mamori-loadgen
    # the same debs under a real systemd (systemd-nspawn --boot): ≈ 50 s
    run_pkg boot timeout 300 packaging/test/systemd_boot_test.sh dist
    run_pkg "unit exposure vs peers" packaging/test/peer_units.sh
  fi
  [[ $pkg_failed -eq 0 ]] || status=1
  SUMMARY+=("packages: ${pkg_results[*]}")
fi

# Fuzzing (#13.11): every parser of outside input under libFuzzer with
# ASan + UBSan, 30 s per target (7 targets: 3.5 min) after a clang build.
if ! skipped fuzz; then
  step "fuzzing (libFuzzer + ASan + UBSan, 30 s per target)"
  if MAMORI_JOBS=$JOBS scripts/fuzz.sh; then
    SUMMARY+=("fuzz: no crash")
  else
    status=1
    SUMMARY+=("fuzz: FAILED (see above)")
  fi
fi

if ! skipped tidy; then
  step "clang-tidy (bugprone, naming) on files changed since the last clean run"
  if scripts/tidy.py build --jobs "$JOBS"; then
    SUMMARY+=("clang-tidy: clean")
  else
    status=1
    SUMMARY+=("clang-tidy: FINDINGS (see above)")
  fi
fi

END=$(date +%s)
printf '\n==> summary (%ss)\n' $((END - START))
for line in "${SUMMARY[@]}"; do echo "  $line"; done
echo "$PASSED passed, $FAILED failed"
[[ $status -eq 0 ]] || echo "test.sh: FAILED" >&2
exit "$status"
