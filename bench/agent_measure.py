#!/usr/bin/env python3
"""Runs one command and prints its cost as JSON: wall seconds, CPU seconds
(user+sys, including the children it waited for), peak RSS (kernel's
ru_maxrss) and peak private memory (Private_Clean + Private_Dirty from
/proc/PID/smaps_rollup, sampled every 2 ms, so a short spike can be missed).

Usage: agent_measure.py -- COMMAND [ARGS...]
"""
import json
import os
import subprocess
import sys
import time


def private_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            total = 0
            for line in f:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1])
            return total
    except OSError:
        return 0


def main():
    if len(sys.argv) < 3 or sys.argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    cmd = sys.argv[2:]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    peak_private = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid != 0:
            break
        peak_private = max(peak_private, private_kib(proc.pid))
        time.sleep(0.002)
    wall = time.monotonic() - start
    print(json.dumps({
        "exit": os.waitstatus_to_exitcode(status),
        "wall_s": round(wall, 4),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 4),
        "peak_rss_kib": usage.ru_maxrss,
        "peak_private_kib": peak_private,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
