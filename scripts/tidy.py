#!/usr/bin/python3
"""Runs clang-tidy (checks in .clang-tidy) on our C++ translation units.

A unit is checked again only when its key changed since it was last found
clean. The key is a hash of the unit, every project header it includes
(transitively, following #include "..." lines from the repository root), the
.proto file behind every generated *.pb.h it includes, and .clang-tidy.
Clean keys are kept in .ci/tidy-clean.txt, which is committed: a fresh CI
clone re-checks exactly the files whose inputs changed since the last clean
run, as a developer's second run does. The record is saved after every unit,
so an interrupted run keeps what it already found clean.

Usage: scripts/tidy.py BUILD_DIR [--all] [--jobs N]
Exit: 0 clean, 1 findings, 2 usage or setup error.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECORD = os.path.join(ROOT, ".ci", "tidy-clean.txt")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
PB_HEADER = re.compile(r'^(.*)\.(?:grpc\.)?pb\.h$')


def project_includes(path, cache):
    """Transitive project headers of `path` (repository-relative)."""
    if path in cache:
        return cache[path]
    cache[path] = set()  # cycle guard
    found = set()
    try:
        text = open(os.path.join(ROOT, path), encoding="utf-8", errors="replace").read()
    except OSError:
        return found
    for name in INCLUDE.findall(text):
        # Generated protobuf headers live in the build tree; their input is
        # the .proto file, so a change of the contract re-checks its users.
        proto = PB_HEADER.match(name)
        if proto:
            source = os.path.join("proto", proto.group(1) + ".proto")
            if os.path.isfile(os.path.join(ROOT, source)):
                found.add(source)
            continue
        candidates = [name, os.path.join(os.path.dirname(path), name)]
        for c in candidates:
            c = os.path.normpath(c)
            if os.path.isfile(os.path.join(ROOT, c)):
                found.add(c)
                found |= project_includes(c, cache)
                break
    cache[path] = found
    return found


def file_hash(path):
    return hashlib.sha1(open(os.path.join(ROOT, path), "rb").read()).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("--all", action="store_true", help="ignore the clean record")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    db_path = os.path.join(args.build, "compile_commands.json")
    if not os.path.isfile(db_path):
        print(f"tidy: {db_path} not found (build first)", file=sys.stderr)
        return 2
    in_db = {os.path.relpath(e["file"], ROOT) for e in json.load(open(db_path))}
    tracked = subprocess.run(["git", "ls-files", "*.cpp"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.split()
    units = sorted(f for f in tracked if f in in_db and "/windows/" not in f)

    config = file_hash(".clang-tidy")
    cache = {}
    keys = {}
    for unit in units:
        h = hashlib.sha1(config.encode())
        for part in [unit] + sorted(project_includes(unit, cache)):
            h.update(part.encode() + b"\0" + file_hash(part).encode())
        keys[unit] = h.hexdigest()

    clean = {}
    if os.path.isfile(RECORD) and not args.all:
        for line in open(RECORD):
            parts = line.split()
            if len(parts) == 2:
                clean[parts[0]] = parts[1]
    todo = [u for u in units if clean.get(u) != keys[u]]
    print(f"tidy: {len(todo)} of {len(units)} files to check")

    def run(unit):
        proc = subprocess.run(["clang-tidy", "-p", args.build, "--quiet", unit],
                              cwd=ROOT, capture_output=True, text=True)
        return unit, proc.returncode, proc.stdout + proc.stderr

    def save():
        """Keeps only units that still exist; writes atomically."""
        os.makedirs(os.path.dirname(RECORD), exist_ok=True)
        tmp = RECORD + ".tmp"
        with open(tmp, "w") as f:
            for unit in units:
                if unit in clean:
                    f.write(f"{unit} {clean[unit]}\n")
        os.replace(tmp, RECORD)

    failed = []
    # The record is saved after every unit, so an interrupted run keeps what
    # it has already found clean.
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run, u) for u in todo]
        for future in concurrent.futures.as_completed(futures):
            unit, rc, out = future.result()
            if rc == 0:
                clean[unit] = keys[unit]
            else:
                failed.append(unit)
                clean.pop(unit, None)
                print(f"---- clang-tidy: {unit}")
                lines = [l for l in out.splitlines() if "warnings generated" not in l]
                print("\n".join(lines[:60]), flush=True)
            save()

    save()
    print(f"tidy: {len(todo) - len(failed)} clean, {len(failed)} with findings")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
