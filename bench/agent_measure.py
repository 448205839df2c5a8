#!/usr/bin/env python3
"""Runs one command and prints its cost as JSON: wall seconds, CPU seconds
(user+sys, including the children it waited for), peak RSS (kernel's
ru_maxrss) and peak private memory (Private_Clean + Private_Dirty from
/proc/PID/smaps_rollup, sampled every 2 ms, so a short spike can be missed).

The command is started through GNU time (/usr/bin/time, when installed) and
its ru_maxrss is taken from there: Linux counts the memory a process had
before exec() in its ru_maxrss, so a command forked straight from this
Python process could not report a peak below Python's own RSS (≈ 13 MiB).
Without GNU time the figure has that floor ("rss_floor": "python").

Usage: agent_measure.py -- COMMAND [ARGS...]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

GNU_TIME = "/usr/bin/time"


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


def command_pid(time_pid):
    """The command GNU time started (its only child), or None."""
    try:
        with open(f"/proc/{time_pid}/task/{time_pid}/children") as f:
            children = f.read().split()
        return int(children[0]) if children else None
    except OSError:
        return None


def main():
    if len(sys.argv) < 3 or sys.argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    cmd = sys.argv[2:]
    use_time = os.access(GNU_TIME, os.X_OK)
    with tempfile.NamedTemporaryFile("r") as rss_file:
        if use_time:
            cmd = [GNU_TIME, "-f", "%M", "-o", rss_file.name, "--"] + cmd
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        peak_private = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid != 0:
                break
            target = command_pid(proc.pid) if use_time else proc.pid
            if target:
                peak_private = max(peak_private, private_kib(target))
            time.sleep(0.002)
        wall = time.monotonic() - start
        peak_rss = usage.ru_maxrss
        if use_time:
            # The last line is %M; a line before it says when the command
            # exited non-zero or was killed.
            lines = rss_file.read().split()
            peak_rss = int(lines[-1]) if lines else 0
    print(json.dumps({
        "exit": os.waitstatus_to_exitcode(status),
        "wall_s": round(wall, 4),
        # time's own CPU (≈ 1 ms) is included when it is used.
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 4),
        "peak_rss_kib": peak_rss,
        "peak_private_kib": peak_private,
        "rss_floor": "none" if use_time else "python",
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
