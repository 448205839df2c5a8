#!/usr/bin/env bash
# The main job on this machine, on the embedded default (SQLite): installs
# dependencies, builds, and runs mamori end to end. Grows with each capability.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"
echo
echo "== mamori-agent facts --format table (this machine) =="
build/agent/mamori-agent facts --format table
