#!/usr/bin/env bash
# Builds every mamori package from this tree into dist/:
#   mamori-agent_V_amd64.deb, mamori-collector_V_amd64.deb   (debhelper)
#   mamori-agent-V-1.el9.x86_64.rpm                          (rpmbuild)
#   mamori-agent-V-x64.msi                                   (wixl, msitools)
#   lintian.txt, SHA256SUMS
# V is the project's version (project(... VERSION) in CMakeLists.txt).
# Programs are built once (build-pkg/, Release, shared ccache); the rpm
# carries the same binaries as the .deb and the MSI mamori-facts.exe from a
# mingw cross build (build-win/). See packaging/README.md.
#
# Environment: MAMORI_JOBS (parallel jobs, default nproc),
#   MAMORI_PKG_ONLY="deb rpm msi" (a subset), MAMORI_FACTS_EXE (a prebuilt
#   mamori-facts.exe for the MSI instead of build-win's), MAMORI_VERSION (a
#   version instead of the project's, X.Y.Z: packaging/test/msi_test.sh builds
#   the next version's MSI from the same tree to test an upgrade) and
#   MAMORI_DIST (another output folder than dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIST=${MAMORI_DIST:-$ROOT/dist}
WORK="$ROOT/build-pkg-work"
ONLY=" ${MAMORI_PKG_ONLY:-deb rpm msi} "
export MAMORI_JOBS=${MAMORI_JOBS:-$(nproc)}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
# The sanitizer and fuzz builds carry -g1; without this ccache keys their objects
# by the checkout folder, so a fresh clone (CI) compiled them all cold.
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
VERSION=${MAMORI_VERSION:-$(sed -n 's/^project(mamori VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)}
[[ -n "$VERSION" ]] || { echo "package: no version in CMakeLists.txt" >&2; exit 1; }
# X.Y.Z, each part within what an MSI's ProductVersion holds (255.255.65535).
if ! [[ $VERSION =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,5})$ ]] ||
   ((BASH_REMATCH[1] > 255 || BASH_REMATCH[2] > 255 || BASH_REMATCH[3] > 65535)); then
  echo "package: version '$VERSION' is not X.Y.Z (X, Y <= 255, Z <= 65535)" >&2
  exit 1
fi
# Reproducible timestamps: the last commit's time.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

log() { printf 'package: %s\n' "$*"; }
want() { [[ "$ONLY" == *" $1 "* ]]; }

mkdir -p "$DIST" "$WORK"
DIST=$(cd "$DIST" && pwd)

# --- Debian packages (also the install tree the rpm reuses) ----------------
debsrc="$WORK/mamori-$VERSION"
build_debs() {
  rm -rf "$debsrc"
  mkdir -p "$debsrc"
  cp -a packaging/debian "$debsrc/debian"
  cat >"$debsrc/debian/changelog" <<CHANGES
mamori ($VERSION) unstable; urgency=medium

  * Version $VERSION built from $(git rev-parse --short HEAD 2>/dev/null || echo "a source tree").

 -- mamori developers <mamori@example.jp>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
CHANGES
  log "dpkg-buildpackage $VERSION (log: $WORK/dpkg-buildpackage.log)"
  if ! (cd "$debsrc" && MAMORI_SRC="$ROOT" MAMORI_BUILD="$ROOT/build-pkg" \
        nice dpkg-buildpackage -b -us -uc --no-sign >"$WORK/dpkg-buildpackage.log" 2>&1); then
    tail -30 "$WORK/dpkg-buildpackage.log" >&2
    echo "package: dpkg-buildpackage failed (whole log: $WORK/dpkg-buildpackage.log)" >&2
    exit 1
  fi
  rm -f "$DIST"/mamori-*.deb
  mv "$WORK"/mamori-agent_"$VERSION"_*.deb "$WORK"/mamori-collector_"$VERSION"_*.deb "$DIST/"
  rm -f "$WORK"/*.buildinfo "$WORK"/*.changes "$WORK"/*.ddeb
  log "lintian"
  lintian --info --display-info --pedantic --tag-display-limit 0 \
    "$DIST"/mamori-agent_"$VERSION"_*.deb "$DIST"/mamori-collector_"$VERSION"_*.deb \
    >"$DIST/lintian.txt" 2>&1 || true
  if grep -q '^E: ' "$DIST/lintian.txt"; then
    grep '^E: ' "$DIST/lintian.txt" >&2
    echo "package: lintian reports errors (dist/lintian.txt)" >&2
    exit 1
  fi
  log "lintian: $(grep -c '^E: ' "$DIST/lintian.txt" || true) errors," \
      "$(grep -c '^W: ' "$DIST/lintian.txt" || true) warnings (dist/lintian.txt)"
}

# --- rpm for RHEL 9 -------------------------------------------------------
build_rpm() {
  local tree="$debsrc/debian/tmp"
  [[ -x "$tree/usr/bin/mamori-agent" ]] || { echo "package: the rpm needs the deb build first" >&2; exit 1; }
  local top="$WORK/rpmbuild"
  rm -rf "$top"
  mkdir -p "$top"/{SPECS,SOURCES,BUILD,RPMS,SRPMS}
  log "rpmbuild (log: $WORK/rpmbuild.log)"
  if ! nice rpmbuild -bb --nodeps --define "_topdir $top" \
       --define "mamori_version $VERSION" --define "mamori_tree $tree" \
       --define "mamori_src $ROOT" --define "_buildhost mamori-build" \
       --define "dist .el9" --target x86_64 \
       packaging/rpm/mamori-agent.spec >"$WORK/rpmbuild.log" 2>&1; then
    tail -30 "$WORK/rpmbuild.log" >&2
    exit 1
  fi
  rm -f "$DIST"/mamori-agent-*.rpm
  mv "$top"/RPMS/x86_64/mamori-agent-"$VERSION"-*.rpm "$DIST/"
}

# --- MSI ------------------------------------------------------------------
# mamori-facts.exe, mamori-msi-config.exe and, when the library prefix of
# scripts/windows-deps.sh is complete (it is never built here: its cold build
# takes far longer than this script, docs/building-windows.md §1.1), the
# whole mamori-agent.exe with its service, from a Release mingw cross build
# of its own (build-win/release: scripts/test-windows.sh's build-win/agent is
# Debug, for the tests), stripped; only these targets are built here, not
# the Windows test suite. MAMORI_MSI_FULL_AGENT=1 refuses to make the
# facts-only MSI.
cross_build() {
  local toolchain="$ROOT/cmake/mingw-w64-x86_64.cmake"
  if [[ ! -f "$ROOT/build-win/gtest/lib/libgtest.a" ]]; then
    cmake -S /usr/src/googletest -B "$ROOT/build-win/gtest-build" -G Ninja \
      -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_INSTALL_PREFIX="$ROOT/build-win/gtest" >/dev/null
    nice cmake --build "$ROOT/build-win/gtest-build" -j "$MAMORI_JOBS" >/dev/null
    cmake --install "$ROOT/build-win/gtest-build" >/dev/null
  fi
  local deps targets=(mamori-facts mamori-msi-config)
  if deps=$(scripts/windows-deps.sh --print-prefix 2>/dev/null); then
    targets+=(mamori-agent)
    MSI_FULL_AGENT=1
  else
    deps=
    MSI_FULL_AGENT=0
    log "no complete Windows library prefix (scripts/windows-deps.sh): the MSI carries" \
        "mamori-facts.exe without the agent service"
    [[ ${MAMORI_MSI_FULL_AGENT:-0} != 1 ]] ||
      { echo "package: MAMORI_MSI_FULL_AGENT=1 but no library prefix" >&2; exit 1; }
  fi
  cmake -S . -B "$ROOT/build-win/release" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
    -DCMAKE_BUILD_TYPE=Release -DGTest_DIR="$ROOT/build-win/gtest/lib/cmake/GTest" \
    -DMAMORI_WINDOWS_DEPS="$deps" >/dev/null
  nice cmake --build "$ROOT/build-win/release" -j "$MAMORI_JOBS" --target "${targets[@]}" >/dev/null
}

build_msi() {
  log "mingw cross build (mamori-facts.exe, mamori-msi-config.exe, mamori-agent.exe when linkable)"
  cross_build
  local stage="$WORK/msi"
  rm -rf "$stage"
  mkdir -p "$stage"
  local out="$ROOT/build-win/release"
  # Release objects carry no debug information, but the static libraries of
  # the prefix do (symbols too): stripped, every program is a fraction of
  # its size (packaging/README.md).
  x86_64-w64-mingw32-strip -o "$stage/mamori-facts.exe" \
    "${MAMORI_FACTS_EXE:-$out/agent/facts_exe/mamori-facts.exe}"
  x86_64-w64-mingw32-strip -o "$stage/mamori-msi-config.exe" "$out/packaging/windows/mamori-msi-config.exe"
  if [[ $MSI_FULL_AGENT == 1 ]]; then
    x86_64-w64-mingw32-strip -o "$stage/mamori-agent.exe" "$out/agent/mamori-agent.exe"
  fi
  log "MSI programs (Release, stripped): $(cd "$stage" && stat -c '%n %s B' ./*.exe | sed 's#\./##' | paste -sd, | sed 's/,/, /g')"
  # The version heads README.txt (the programs carry no version resource):
  # the upgrade test sees from it that the newer MSI replaced the files.
  { echo "mamori agent $VERSION"; echo; cat packaging/windows/README-windows.txt; } |
    sed 's/$/\r/' >"$stage/README.txt"
  log "wixl (MSI $VERSION, full agent: $MSI_FULL_AGENT)"
  rm -f "$DIST"/mamori-agent-*.msi
  # wixl resolves Source= relative to the working directory.
  (cd "$stage" && wixl -a x64 -D Version="$VERSION" -D SourceDir= -D FullAgent="$MSI_FULL_AGENT" \
     -o "$DIST/mamori-agent-$VERSION-x64.msi" "$ROOT/packaging/windows/mamori-agent.wxs")
}

want deb && build_debs
want rpm && build_rpm
want msi && build_msi
(cd "$DIST" && sha256sum ./*.deb ./*.rpm ./*.msi 2>/dev/null | sed 's# \./# #' >SHA256SUMS) || true
log "done:"
ls -l "$DIST"
