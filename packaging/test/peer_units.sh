#!/usr/bin/env bash
# Prints `systemd-analyze security` exposure of our units beside the units of
# peers that Debian 12 packages (issue #16; figures in packaging/README.md).
# The peers' debs are fetched with `apt-get download` once into
# ${MAMORI_CACHE:-$HOME/.cache/mamori}/peer-units and only unpacked
# (dpkg-deb -x): nothing is installed or started.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PEERS=(fusioninventory-agent ocsinventory-agent zabbix-agent prometheus-node-exporter)
cache=${MAMORI_CACHE:-$HOME/.cache/mamori}/peer-units
if [[ ! -f "$cache/.complete" ]]; then
  rm -rf "$cache"
  mkdir -p "$cache/debs" "$cache/tree"
  (cd "$cache/debs" && apt-get download -q "${PEERS[@]}" >/dev/null 2>&1) ||
    { echo "peer_units: apt-get download failed (network?)" >&2; exit 1; }
  for deb in "$cache"/debs/*.deb; do dpkg-deb -x "$deb" "$cache/tree"; done
  touch "$cache/.complete"
fi
ls "$cache/debs"
exec "$here/units_test.sh" --peers "$cache/tree"
