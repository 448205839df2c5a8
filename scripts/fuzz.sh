#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang + AddressSanitizer +
# UndefinedBehaviorSanitizer (-fsanitize=fuzzer) and runs each from its seed
# corpus (fuzz/corpus/<target>) for a bounded time (issue #13.11).
#
# Time budget: 7 targets x MAMORI_FUZZ_SECONDS (default 30 s) = 3.5 min of
# fuzzing, run one after the other, plus the build in build-fuzz/ (141 steps,
# clang -O1 with ASan + UBSan + coverage; measured cold: 29 min wall on 2
# cores shared with other builds at load 15; with the objects cached, the
# whole step took 4 min 11 s, 3 min 20 s of it CPU).
#
# Environment:
#   MAMORI_FUZZ_SECONDS  seconds per target (default 30)
#   MAMORI_FUZZ_TARGETS  space-separated subset of targets (default: all)
#   MAMORI_FUZZ_KEEP     directory that keeps the grown corpora, logs and
#                        crashing inputs (default: a temporary directory,
#                        removed unless something crashed)
#   MAMORI_JOBS          parallel build jobs (default: nproc)
# Exits 1 when a target crashed, leaked, hit a sanitizer check, a timeout
# (10 s per input) or the memory limit (2 GiB), naming the saved input.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${MAMORI_JOBS:-$(nproc)}
SECONDS_PER_TARGET=${MAMORI_FUZZ_SECONDS:-30}
ALL_TARGETS=(fuzz_report_ingest fuzz_policy_yaml fuzz_register_import
             fuzz_agent_text fuzz_sshd_config fuzz_nl80211 fuzz_windows_decode)
read -r -a TARGETS <<<"${MAMORI_FUZZ_TARGETS:-${ALL_TARGETS[*]}}"
BUILD=build-fuzz
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
# The sanitizer and fuzz builds carry -g1; without this ccache keys their objects
# by the checkout folder, so a fresh clone (CI) compiled them all cold.
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

if [[ -n "${MAMORI_FUZZ_KEEP:-}" ]]; then
  WORK=$MAMORI_FUZZ_KEEP
  mkdir -p "$WORK"
  KEEP=1
else
  WORK=$(mktemp -d /tmp/mamori-fuzz.XXXXXX)
  KEEP=0
fi

echo "fuzz: building ${#TARGETS[@]} target(s) with clang (ASan+UBSan+libFuzzer)"
CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DMAMORI_FUZZ=ON >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
failed=()
for t in "${TARGETS[@]}"; do
  mkdir -p "$WORK/$t/corpus"
  log="$WORK/$t/log"
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s"
  rc=0
  # New inputs go to the first directory; the seeds in the tree are only
  # read.
  "$BUILD/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$WORK/$t/" \
    "$WORK/$t/corpus" "fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "$WORK/$t/corpus" -type f | wc -l)
  if [[ $rc -ne 0 ]]; then
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $rc); the input and log are in $WORK/$t:" >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|ALARM|MS:|artifact_prefix|Test unit written)' \
      "$log" | head -20 >&2 || true
  else
    echo "fuzz: $t ok: ${execs:-?} inputs (${speed:-?}/s), ${corpus} new corpus entries"
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs kept in $WORK)" >&2
  exit 1
fi
[[ $KEEP -eq 1 ]] || rm -rf "$WORK"
echo "fuzz: ${#TARGETS[@]} target(s), no crash"
