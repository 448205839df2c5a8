#!/bin/sh
# The cost of durable acknowledgements (issue 13.7), measured in interleaved
# pairs: A = a collector committing with synchronous=NORMAL, B = the durable
# one (synchronous=FULL, the default), run A B A B … with the same
# mamori-loadgen (B's), so slow drift of a shared machine falls on both sides
# of each pair. Prints each run's steady rate and server CPU per report, the
# ratio B/A of each pair, then the median ratio and its spread (min–max).
#
#   A=build-normal B=build PAIRS=6 bench/durable_ack_pairs.sh
#
# A is any build of this tree with `PRAGMA synchronous=NORMAL` in
# SqliteStore::Open (collector/store/sqlite/sqlite_store.cpp); the figures in
# docs/performance.md were made with a worktree patched so. AGENTS, EXTRA,
# ROUNDS, CONNECTIONS, IN_FLIGHT pass through to collector_bench.sh
# (defaults here: 300 + 2,700 hosts, 5 steady rounds = 15,000 steady reports).
set -eu
A=${A:?A=build dir of the synchronous=NORMAL collector}
B=${B:-build}
PAIRS=${PAIRS:-6}
export AGENTS=${AGENTS:-300} EXTRA=${EXTRA:-2700} ROUNDS=${ROUNDS:-5} CEILING=0
LOADGEN=$B/bench/mamori-loadgen
export LOADGEN
HERE=$(dirname "$0")
OUT=$(mktemp /tmp/mamori-pairs.XXXXXX)
trap 'rm -f "$OUT"' EXIT

run() {  # build label → "per_second server_cpu_ms_per load"
  load=$(cut -d' ' -f1 /proc/loadavg)
  line=$(BUILD=$1 sh "$HERE/collector_bench.sh" | grep '^phase=steady')
  rate=$(echo "$line" | sed 's/.* per_second=\([0-9.]*\).*/\1/')
  cpu=$(echo "$line" | sed 's/.* server_cpu_ms_per=\([0-9.]*\).*/\1/')
  echo "$2 $rate $cpu $load"
}

i=1
while [ "$i" -le "$PAIRS" ]; do
  a=$(run "$A" normal); b=$(run "$B" durable)
  echo "pair=$i $a $b" | tee -a "$OUT" | awk '{printf "pair %s  NORMAL %.0f/s %.3f ms (load %s)  FULL %.0f/s %.3f ms (load %s)  ratio %.3f\n", substr($1, 6), $3, $4, $5, $7, $8, $9, $7 / $3}'
  i=$((i + 1))
done
awk '{print $7 / $3}' "$OUT" | sort -n | awk '
  {r[NR] = $1}
  END {
    m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
    printf "pairs=%d median_ratio=%.3f min=%.3f max=%.3f\n", NR, m, r[1], r[NR]
  }'
