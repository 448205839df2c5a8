#!/usr/bin/env bash
# Measures a full fact collection by mamori-agent side by side, in one run,
# with `apt list --upgradable` and, when installed from Debian, the peers
# fusioninventory-inventory and ocsinventory-agent --local. mamori runs warm
# (--state DIR with a valid pending-updates cache, as once/run after the
# first collection) and cold (cache deleted before each run, so libapt-pkg
# computes). Prints a Markdown table of medians (wall, CPU, peak RSS, peak
# private memory) and ratios to the warm mamori run, plus mamori's per-family
# durations and the load average. Not a test: figures go to
# docs/performance.md.
#
# Since the split (agent/CMakeLists.txt), mamori-agent runs `facts` without
# the transport's libraries and execs mamori-agent-delivery for enroll/once/
# run; the delivery program's own `facts` (all libraries mapped, as the
# collection inside once/run) is measured as a row too. BEFORE_AGENT=PATH
# adds rows for another mamori-agent binary (e.g. one built before a change)
# measured in the same interleaved runs, warm with its own state directory.
#
# Usage: [BEFORE_AGENT=PATH] bench/agent_collect.sh [BUILD_DIR] [RUNS]
#   peers: apt-get install fusioninventory-agent ocsinventory-agent
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RUNS=${2:-5}
AGENT="$BUILD/agent/mamori-agent"
DELIVERY="$BUILD/agent/mamori-agent-delivery"
[[ -x "$AGENT" ]] || { echo "agent_collect: $AGENT not built" >&2; exit 2; }
BEFORE_AGENT=${BEFORE_AGENT:-}
if [[ -n "$BEFORE_AGENT" && ! -x "$BEFORE_AGENT" ]]; then
  echo "agent_collect: BEFORE_AGENT=$BEFORE_AGENT is not executable" >&2; exit 2
fi
MEASURE=bench/agent_measure.py
OCS_DIR=$(mktemp -d)
WARM=$(mktemp -d)   # state dir whose pending-updates cache stays valid
COLD=$(mktemp -d)   # state dir whose cache is deleted before every run
WARM_DELIVERY=$(mktemp -d)
WARM_BEFORE=$(mktemp -d)
trap 'rm -rf "$OCS_DIR" "$WARM" "$COLD" "$WARM_DELIVERY" "$WARM_BEFORE"' EXIT

# Row 0 is the base of the ratios: a full collection as once/run do it, with
# the pending-updates cache valid (apt/dpkg inputs unchanged since last run).
names=("mamori-agent facts, all families, warm (updates cache valid)"
       "mamori-agent facts, all families, cold (no cache: libapt computes)"
       "mamori-agent facts (all but updates)"
       "mamori-agent facts --help (process start, no collection)"
       "apt list --upgradable")
cmds=("$AGENT facts --format json --state $WARM"
      "$AGENT facts --format json --state $COLD"
      "$AGENT facts --format json --family system --family hardware --family network --family packages --family accounts --family antivirus --family usb_storage --family wifi --family password_policy --family screen_lock --family disk_encryption --family firewall --family remote_access"
      "$AGENT facts --help"
      "apt list --upgradable")
if [[ -x "$DELIVERY" ]]; then
  names+=("mamori-agent-delivery facts, warm (the collection inside once/run)")
  cmds+=("$DELIVERY facts --format json --state $WARM_DELIVERY")
  "$DELIVERY" facts --format json --state "$WARM_DELIVERY" >/dev/null
fi
if [[ -n "$BEFORE_AGENT" ]]; then
  names+=("before: $BEFORE_AGENT facts, all families, warm"
          "before: $BEFORE_AGENT facts --help")
  cmds+=("$BEFORE_AGENT facts --format json --state $WARM_BEFORE"
         "$BEFORE_AGENT facts --help")
  "$BEFORE_AGENT" facts --format json --state "$WARM_BEFORE" >/dev/null
fi
if command -v fusioninventory-inventory >/dev/null; then
  names+=("fusioninventory-inventory"); cmds+=("fusioninventory-inventory")
else
  echo "agent_collect: fusioninventory-inventory not installed, skipped" >&2
fi
if command -v ocsinventory-agent >/dev/null; then
  names+=("ocsinventory-agent --local"); cmds+=("ocsinventory-agent --local=$OCS_DIR")
else
  echo "agent_collect: ocsinventory-agent not installed, skipped" >&2
fi

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# Families that fail quietly would make mamori look cheap: show the states.
# This run also fills the warm state dir's cache; the next one must use it.
"$AGENT" facts --format json --state "$WARM" >/dev/null
"$AGENT" facts --format json --state "$WARM" | python3 -c '
import json, sys
d = json.load(sys.stdin)
fams = [(k, v) for k, v in d.items() if isinstance(v, dict) and "status" in v]
print("mamori per-family (one run): " + ", ".join(
    "%s %s %.1f ms" % (k, v["status"].get("state", "?").replace("STATUS_", ""),
                       int(v["status"].get("duration_us", "0")) / 1000) for k, v in fams))
u = d.get("updates", {})
print("updates: %s, computed at %s, %s pending" % (u.get("pending_source"),
      u.get("pending_computed_at"), u.get("pending_count", 0)))
if u.get("pending_source") != "PENDING_SOURCE_CACHED":
    sys.exit("agent_collect: the warm run did not use the cache")
'

results=$(mktemp)
# Interleave the tools run by run so machine noise hits them alike.
for ((r = 1; r <= RUNS; r++)); do
  for i in "${!cmds[@]}"; do
    [[ $i == 1 ]] && rm -f "$COLD/updates-pending.json"
    # shellcheck disable=SC2086
    echo "$i $(python3 "$MEASURE" -- ${cmds[$i]})" >> "$results"
  done
done

python3 - "$results" "${names[@]}" <<'PY'
import json, statistics, sys
path, names = sys.argv[1], sys.argv[2:]
rows = {}
for line in open(path):
    i, js = line.split(" ", 1)
    rows.setdefault(int(i), []).append(json.loads(js))
med = {i: {k: statistics.median(r[k] for r in runs) for k in
           ("wall_s", "cpu_s", "peak_rss_kib", "peak_private_kib")}
       for i, runs in rows.items()}
base = med[0]
print("| command | runs | wall ms | CPU ms | peak RSS MiB | peak private MiB | wall × | CPU × | RSS × |")
print("|---|---|---|---|---|---|---|---|---|")
for i, name in enumerate(names):
    m = med[i]
    bad = sum(1 for r in rows[i] if r["exit"] != 0)
    note = f" ({bad} non-zero exits)" if bad else ""
    print(f"| {name}{note} | {len(rows[i])} | {m['wall_s']*1000:.0f} | {m['cpu_s']*1000:.0f} | "
          f"{m['peak_rss_kib']/1024:.1f} | {m['peak_private_kib']/1024:.1f} | "
          f"{m['wall_s']/base['wall_s']:.2f} | {m['cpu_s']/max(base['cpu_s'],1e-9):.2f} | "
          f"{m['peak_rss_kib']/base['peak_rss_kib']:.2f} |")
PY
rm -f "$results"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
