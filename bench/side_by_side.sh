#!/bin/sh
# Interleaved side-by-side pairs of two builds on a shared machine (figures
# for docs/performance.md): each pair runs the collector bench and the
# grading bench once per tree, the order swapped every pair, all under
# nice -n 10, with the load average logged at every start.
#
#   OLD=/tmp/old-src NEW=/work/wt/x PAIRS=3 OUT=/tmp/pairs bench/side_by_side.sh
#
# OLD and NEW are source trees with Release builds in build/ (mamori-collector,
# mamori-loadgen, grading_bench). Each tree's own bench/collector_bench.sh is
# used (older collectors lack newer serve flags), with one load generator for
# every run (NEW's, copied to OUT first, so a rebuild during the runs does not
# change it). Results: OUT/c-{old,new}-N.txt, OUT/g-{old,new}-N.txt, OUT/log.
# GRADING_FILTER picks the grading benchmarks; CEILING=0 leaves out the
# raw-SQLite ceiling.
set -eu
OLD=${OLD:?source tree of the old build}
NEW=${NEW:?source tree of the new build}
PAIRS=${PAIRS:-3}
OUT=${OUT:-$(mktemp -d /tmp/mamori-pairs.XXXXXX)}
GRADING_FILTER=${GRADING_FILTER:-BmRunAllChecks|BmRegrade|BmIngest}
mkdir -p "$OUT"
cp "$NEW/build/bench/mamori-loadgen" "$OUT/mamori-loadgen"

load() { cut -d' ' -f1-3 /proc/loadavg; }
collector() {  # side tree n
  echo "collector $1 $3 start $(date -u +%T) load $(load)" >> "$OUT/log"
  BUILD=$2/build LOADGEN=$OUT/mamori-loadgen PORT=0 \
    nice -n 10 sh "$2/bench/collector_bench.sh" > "$OUT/c-$1-$3.txt" 2>&1
  echo "collector $1 $3 end $(date -u +%T) load $(load)" >> "$OUT/log"
}
grading() {  # side tree n
  echo "grading $1 $3 start $(date -u +%T) load $(load)" >> "$OUT/log"
  nice -n 10 "$2/build/collector/policy/grading_bench" \
    --benchmark_filter="$GRADING_FILTER" > "$OUT/g-$1-$3.txt" 2>&1
  echo "grading $1 $3 end $(date -u +%T) load $(load)" >> "$OUT/log"
}
n=1
while [ "$n" -le "$PAIRS" ]; do
  if [ $((n % 2)) = 1 ]; then
    collector old "$OLD" "$n"; collector new "$NEW" "$n"
    grading new "$NEW" "$n"; grading old "$OLD" "$n"
  else
    collector new "$NEW" "$n"; collector old "$OLD" "$n"
    grading old "$OLD" "$n"; grading new "$NEW" "$n"
  fi
  n=$((n + 1))
done
echo "results in $OUT"
