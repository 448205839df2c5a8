#!/usr/bin/env bash
# Measures a full fact collection by mamori-agent side by side, in one run,
# with `apt list --upgradable` and, when installed from Debian, the peers
# fusioninventory-inventory and ocsinventory-agent --local. Prints a Markdown
# table of medians (wall, CPU, peak RSS, peak private memory) and ratios to
# mamori, plus mamori's per-family durations. Not a test: figures go to
# docs/performance.md.
#
# Usage: bench/agent_collect.sh [BUILD_DIR] [RUNS]
#   peers: apt-get install fusioninventory-agent ocsinventory-agent
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RUNS=${2:-5}
AGENT="$BUILD/agent/mamori-agent"
[[ -x "$AGENT" ]] || { echo "agent_collect: $AGENT not built" >&2; exit 2; }
MEASURE=bench/agent_measure.py
OCS_DIR=$(mktemp -d)
trap 'rm -rf "$OCS_DIR"' EXIT

names=("mamori-agent facts (all families)" "mamori-agent facts (all but updates)"
       "apt list --upgradable")
cmds=("$AGENT facts --format json"
      "$AGENT facts --format json --family system --family hardware --family network --family packages --family accounts --family antivirus --family usb_storage --family wifi --family password_policy --family screen_lock --family disk_encryption --family firewall --family remote_access"
      "apt list --upgradable")
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

# Families that fail quietly would make mamori look cheap: show the states.
"$AGENT" facts --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
fams = [(k, v) for k, v in d.items() if isinstance(v, dict) and "status" in v]
print("mamori per-family (one run): " + ", ".join(
    "%s %s %.1f ms" % (k, v["status"].get("state", "?").replace("STATUS_", ""),
                       int(v["status"].get("duration_us", "0")) / 1000) for k, v in fams))
'

results=$(mktemp)
# Interleave the tools run by run so machine noise hits them alike.
for ((r = 1; r <= RUNS; r++)); do
  for i in "${!cmds[@]}"; do
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
