#!/usr/bin/env bash
# Prints the path of a clean Debian 12 root made with debootstrap, creating it
# when absent. The root is cached outside the checkout
# (${MAMORI_CACHE:-$HOME/.cache/mamori}/debian12-<key>), keyed by the package
# list below, so a run after the first one reuses it; the install test works
# on a copy and never changes the cached root. Needs root and Debian's
# archive. Cold: one debootstrap (measured in packaging/README.md).
#
# With --systemd it prints a second cached root, the first plus systemd as
# init (systemd-sysv, dbus), for the boot test (systemd_boot_test.sh), which
# runs the packaged units under a real systemd in systemd-nspawn.
set -euo pipefail
WITH_SYSTEMD=no
[[ "${1:-}" == "--systemd" ]] && WITH_SYSTEMD=yes

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

# add_systemd BASE: the --systemd root, made from a complete BASE.
add_systemd() {
  local sd="$1-systemd"
  if [ -f "$sd/.mamori-complete" ]; then echo "$sd"; return; fi
  rm -rf "$sd.partial"
  cp -a "$1" "$sd.partial"
  rm -f "$sd.partial/.mamori-complete"
  cp /etc/resolv.conf "$sd.partial/etc/resolv.conf"
  mount -t proc proc "$sd.partial/proc"
  if ! chroot "$sd.partial" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
       DEBIAN_FRONTEND=noninteractive sh -c \
       'apt-get update -q && apt-get install -y -q --no-install-recommends systemd-sysv dbus' \
       >"$cache/systemd-root.log" 2>&1; then
    umount "$sd.partial/proc"
    echo "debian12-root: installing systemd failed; see $cache/systemd-root.log" >&2
    tail -5 "$cache/systemd-root.log" >&2
    exit 1
  fi
  umount "$sd.partial/proc"
  rm -rf "$sd.partial/var/cache/apt/archives/"*.deb
  touch "$sd.partial/.mamori-complete"
  mv "$sd.partial" "$sd"
  echo "$sd"
}

if [ -f "$root/.mamori-complete" ]; then
  if [[ $WITH_SYSTEMD == yes ]]; then add_systemd "$root"; else echo "$root"; fi
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
if [[ $WITH_SYSTEMD == yes ]]; then add_systemd "$root"; else echo "$root"; fi
