#!/usr/bin/env bash
# Prints the path of a clean Debian 12 root made with debootstrap, creating it
# when absent. The root is cached outside the checkout
# (${MAMORI_CACHE:-$HOME/.cache/mamori}/debian12-<key>), keyed by the package
# list below, so a run after the first one reuses it; the install test works
# on a copy and never changes the cached root. Needs root and Debian's
# archive. Cold: one debootstrap (measured in packaging/README.md).
set -euo pipefail

MIRROR=${MAMORI_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The runtime libraries of mamori-agent and mamori-collector (their debs'
# shlibs Depends) plus what maintainer scripts use, so installing the debs
# needs no network. A dependency missing here is fetched by apt at install.
INCLUDE=(
  adduser debconf init-system-helpers ca-certificates
  libgrpc++1.51 libgrpc29 libprotobuf32 libsqlite3-0 libssl3 libsodium23
  libboost-program-options1.74.0 libpocofoundation80 libpocoxml80 libpocozip80
  libyaml-cpp0.7 libnl-genl-3-200 libxlsxwriter4 libcsv3 libapt-pkg6.0
)
key=$(printf '%s\n' bookworm "$MIRROR" "${INCLUDE[@]}" | sha256sum | cut -c1-12)
cache=${MAMORI_CACHE:-$HOME/.cache/mamori}
root="$cache/debian12-$key"
if [ -f "$root/.mamori-complete" ]; then
  echo "$root"
  exit 0
fi
mkdir -p "$cache"
rm -rf "$root.partial"
start=$(date +%s)
include=$(IFS=,; echo "${INCLUDE[*]}")
if ! debootstrap --variant=minbase --include="$include" bookworm \
     "$root.partial" "$MIRROR" >"$cache/debootstrap-$key.log" 2>&1; then
  echo "debian12-root: debootstrap failed; see $cache/debootstrap-$key.log" >&2
  tail -5 "$cache/debootstrap-$key.log" >&2
  exit 1
fi
rm -rf "$root.partial/var/cache/apt/archives/"*.deb
echo "$(( $(date +%s) - start ))" >"$root.partial/.mamori-debootstrap-seconds"
touch "$root.partial/.mamori-complete"
mv "$root.partial" "$root"
echo "$root"
