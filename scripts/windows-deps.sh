#!/usr/bin/env bash
# Cross-builds the Windows agent's libraries from Debian's own source packages
# with mingw-w64 (posix threads, static, x64) into a prefix that the Windows
# build of mamori-agent.exe links against.
#
# Why: Debian ships no mingw build of gRPC, protobuf, abseil, OpenSSL, SQLite,
# yaml-cpp or Boost. Building them from the source packages of the same
# archive gives the Windows agent the versions the Linux agent links, and
# lets the host's protoc and grpc_cpp_plugin generate code for both.
#
# The prefix is ~/.cache/mamori/win-deps-<key> (MAMORI_WIN_DEPS_CACHE changes
# the folder), where <key> hashes the chosen source versions, the mingw-w64
# toolchain's versions, this script's recipe version and the deps toolchain
# file. Each library is installed and then stamped with its version, the hash
# of its patches (scripts/windows-deps/<library>/*.patch, applied after
# Debian's) and the list of files it installed (name and size); a changed
# patch rebuilds that library and its users only. The prefix is complete when
# .complete exists, which is written last. On reuse every stamped file is
# checked: a library whose stamp is missing or whose files are missing or
# changed is built again, so a partial or damaged prefix is repaired and
# never half-used.
#
# Usage: scripts/windows-deps.sh [--print-prefix]
#   --print-prefix  print the prefix for the current sources and exit
#                   (0 when complete, 1 when it still has to be built)
# The last line of a build is the prefix. Environment: MAMORI_JOBS (default
# 2), MAMORI_WIN_DEPS_CACHE (default ~/.cache/mamori).
# Exit status: 0 built or reused; 1 a library failed (its log is named);
# 2 a tool is missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATCHES="$ROOT/scripts/windows-deps"
TOOLCHAIN="$ROOT/cmake/mingw-w64-deps.cmake"
CACHE=${MAMORI_WIN_DEPS_CACHE:-$HOME/.cache/mamori}
JOBS=${MAMORI_JOBS:-2}
TRIPLE=x86_64-w64-mingw32
# Bump when a recipe below changes in a way that changes the installed files.
RECIPE=1

log() { printf 'windows-deps: %s\n' "$*" >&2; }
die() { log "$*"; exit "${2:-1}"; }

for tool in $TRIPLE-gcc-posix $TRIPLE-g++-posix $TRIPLE-ar $TRIPLE-ranlib \
            $TRIPLE-windres cmake ninja perl python3 make patch dpkg-source apt-get \
            protoc grpc_cpp_plugin; do
  command -v "$tool" >/dev/null ||
    die "missing tool: $tool (scripts/bootstrap.sh installs it)" 2
done
[[ -f /usr/share/unicode/UnicodeData.txt ]] ||
  die "missing /usr/share/unicode (package unicode-data; scripts/bootstrap.sh installs it)" 2

# --- Sources: a private apt configuration with deb-src entries for the
# archive the system's deb entries use; the system's lists stay untouched.
APT="$CACHE/win-apt"
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/parts"
src_list="$APT/sources.list"
{
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] && grep -E '^deb ' "$f" | grep -F debian.org | sed 's/^deb /deb-src /'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    # deb822: one stanza per paragraph; the debian.org stanzas of Types deb.
    awk -v RS= -F '\n' '{
        t = u = s = c = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/) t = $i
          if ($i ~ /^URIs:/) { u = $i; sub(/^URIs:[ \t]*/, "", u) }
          if ($i ~ /^Suites:/) { s = $i; sub(/^Suites:[ \t]*/, "", s) }
          if ($i ~ /^Components:/) { c = $i; sub(/^Components:[ \t]*/, "", c) }
        }
        if (t !~ /[ \t]deb([ \t]|$)/ || u !~ /debian\.org/) next
        n = split(s, suites, /[ \t]+/)
        for (j = 1; j <= n; j++) print "deb-src " u " " suites[j] " " c
      }' "$f"
  done
} | sort -u >"$src_list.new"
[[ -s $src_list.new ]] || die "no Debian archive found in /etc/apt (deb-src entries need one)" 2
mv "$src_list.new" "$src_list"
apt_opts=(-o "Dir::Etc::SourceList=$src_list" -o "Dir::Etc::SourceParts=$APT/parts"
          -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache"
          -o APT::Sandbox::User=root -qq)
# The lists are refreshed at most once a day (apt-get update takes ~2 s).
if [[ -z $(find "$APT/lists" -maxdepth 1 -name '*Sources*' -mtime -1 2>/dev/null | head -1) ]]; then
  apt-get "${apt_opts[@]}" update >/dev/null || die "apt-get update of the deb-src lists failed"
fi

# Source package → the host -dev package whose version the Linux build links.
declare -A HOST_PKG=(
  [zlib]=zlib1g-dev [openssl]=libssl-dev [c-ares]=libc-ares-dev
  [abseil]=libabsl-dev [re2]=libre2-dev [protobuf]=libprotobuf-dev
  [grpc]=libgrpc++-dev [sqlite3]=libsqlite3-dev [yaml-cpp]=libyaml-cpp-dev
  [boost1.74]=libboost-program-options1.74-dev
)
# Dependencies before their users; the small ones first.
ORDER=(zlib sqlite3 yaml-cpp boost1.74 c-ares openssl abseil re2 protobuf grpc)
SRC="$CACHE/win-src"
mkdir -p "$SRC"

# Downloads one source package version into $SRC (once); fails when the
# archive cannot deliver it.
fetch_source() {  # fetch_source PKG VERSION
  local dsc="$SRC/${1}_${2#*:}.dsc"
  [[ -f $dsc ]] && return 0
  (cd "$SRC" && apt-get "${apt_opts[@]}" source --download-only "$1=$2" >/dev/null 2>&1)
}

declare -A VERSION
for pkg in "${ORDER[@]}"; do
  available=$(apt-cache "${apt_opts[@]}" showsrc "$pkg" 2>/dev/null |
              awk '/^Version:/{print $2}' | sort -rV)
  [[ -n $available ]] || die "no source package $pkg in the deb-src lists"
  host=$(dpkg-query -W -f='${source:Version}' "${HOST_PKG[$pkg]}" 2>/dev/null || true)
  # The host's version first; the archive keeps only the newest security
  # update (OpenSSL), and a mirror can list a version it cannot serve yet,
  # so then the newest one that downloads (same upstream series and ABI).
  candidates=$( { grep -xF "$host" <<<"$available"; grep -vxF "$host" <<<"$available"; } || true)
  VERSION[$pkg]=
  for v in $candidates; do
    if fetch_source "$pkg" "$v"; then VERSION[$pkg]=$v; break; fi
    log "note: $pkg $v is listed but does not download; trying an older one"
  done
  [[ -n ${VERSION[$pkg]} ]] || die "no version of $pkg downloads from the archive"
  [[ ${VERSION[$pkg]} == "$host" ]] ||
    log "note: the host has $pkg ${host:-(not installed)}; building ${VERSION[$pkg]}"
done

toolchain_id="$($TRIPLE-g++-posix -dumpfullversion) $(dpkg-query -W -f='${Version} ' \
  mingw-w64-x86-64-dev g++-mingw-w64-x86-64-posix 2>/dev/null | tr '\n' ' ')"
key_text="recipe $RECIPE; toolchain $toolchain_id;"
for pkg in "${ORDER[@]}"; do key_text+=" $pkg=${VERSION[$pkg]}"; done
# The toolchain file changes every library: part of the key. A library's
# patches change that library (and its users) only: part of its stamp.
key_text+=" inputs=$(sha256sum <"$TOOLCHAIN" | sha256sum | cut -c1-16)"
KEY=$(printf '%s' "$key_text" | sha256sum | cut -c1-12)
PREFIX="$CACHE/win-deps-$KEY"

# stamp_id, stamp_ok, prefix_complete, write_stamp.
# shellcheck source=windows-deps/stamps.sh
source "$PATCHES/stamps.sh"

if [[ ${1:-} == --print-prefix ]]; then
  echo "$PREFIX"
  prefix_complete
  exit
fi

if prefix_complete; then
  log "reusing $PREFIX"
  echo "$PREFIX"
  exit 0
fi
rm -f "$PREFIX/.complete"
mkdir -p "$PREFIX/.stamps" "$PREFIX/.logs"
log "prefix $PREFIX ($key_text)"

WORK="$PREFIX/.work"
mkdir -p "$WORK"

# Downloads (once) and unpacks (fresh, with Debian's patches) one source
# package; prints the source tree's path.
unpack() {
  local pkg=$1 ver=${VERSION[$1]}
  local dsc="$SRC/${pkg}_${ver#*:}.dsc"
  fetch_source "$pkg" "$ver" || die "apt-get source $pkg=$ver failed"
  local dir="$WORK/$pkg"
  rm -rf "$dir"
  dpkg-source --no-check -x "$dsc" "$dir" >/dev/null || die "dpkg-source -x $dsc failed"
  local p
  for p in "$PATCHES/$pkg"/*.patch; do
    [[ -f $p ]] || continue
    patch -d "$dir" -p1 --batch --silent <"$p" || die "patch $(basename "$p") does not apply to $pkg $ver"
  done
  echo "$dir"
}

# The CMake arguments every CMake-built library gets. Release without debug
# info at -O2 (as the native tree); the deps are C++17 like Debian's builds.
# ccache (shared with the native builds) makes a rebuilt prefix cheap.
# The toolchain file sets CMAKE_FIND_ROOT_PATH to the mingw sysroot as a
# normal variable, which hides a -DCMAKE_FIND_ROOT_PATH given here, so the
# prefix is added by a wrapper that includes it and appends the prefix
# (measured: without it protobuf built without zlib and gRPC found no absl).
DEPS_TOOLCHAIN="$WORK/toolchain.cmake"
printf '%s\n' "include(\"$TOOLCHAIN\")" "list(APPEND CMAKE_FIND_ROOT_PATH \"$PREFIX\")" \
  >"$DEPS_TOOLCHAIN"
cmake_common=(-G Ninja -DCMAKE_TOOLCHAIN_FILE="$DEPS_TOOLCHAIN" -DCMAKE_BUILD_TYPE=Release
  "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG" "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG"
  -DCMAKE_CXX_STANDARD=17 -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib
  -DCMAKE_PREFIX_PATH="$PREFIX"
  -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF)
launcher=()
if command -v ccache >/dev/null; then
  cmake_common+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  launcher=(ccache)
fi

# Every library installs into its own stage ($STAGE$PREFIX, as DESTDIR does)
# so that its stamp lists exactly its files; build() then copies the stage in.
cmake_lib() {  # cmake_lib SOURCE_DIR [extra cmake args...]
  local src=$1; shift
  cmake -S "$src" -B "$src/_build" "${cmake_common[@]}" "$@"
  nice -n 10 cmake --build "$src/_build" -j "$JOBS"
  DESTDIR="$STAGE" cmake --install "$src/_build"
}

build_zlib() {
  local s; s=$(unpack zlib)
  # Only the static library: Debian's +dfsg tarball drops win32/zlib1.rc,
  # which the DLL target needs. Installed under the name FindZLIB and gRPC
  # look for first (libz.a), with the zconf.h CMake generated.
  cmake -S "$s" -B "$s/_build" "${cmake_common[@]}"
  nice -n 10 cmake --build "$s/_build" -j "$JOBS" --target zlibstatic
  install -D -m 644 "$s/_build/libzlibstatic.a" "$STAGE$PREFIX/lib/libz.a"
  install -D -m 644 "$s/zlib.h" "$STAGE$PREFIX/include/zlib.h"
  install -D -m 644 "$s/_build/zconf.h" "$STAGE$PREFIX/include/zconf.h"
}

build_openssl() {
  local s; s=$(unpack openssl)
  # mingw64: OpenSSL's own Windows target. no-shared/no-module: one static
  # libcrypto and libssl; build_libs skips the openssl.exe tool and tests
  # (OpenSSL 3.0's Configure has no no-apps/no-docs).
  (cd "$s" && CC="${launcher[*]:-} $TRIPLE-gcc-posix" AR="$TRIPLE-ar" RANLIB="$TRIPLE-ranlib" \
     RC="$TRIPLE-windres" ./Configure mingw64 no-shared no-module no-tests \
     --prefix="$PREFIX" --libdir=lib --openssldir="$PREFIX/ssl" -O2)
  nice -n 10 make -C "$s" -j "$JOBS" build_libs
  make -C "$s" DESTDIR="$STAGE" install_dev
}

build_c-ares() {
  local s; s=$(unpack c-ares)
  cmake_lib "$s" -DCARES_STATIC=ON -DCARES_SHARED=OFF -DCARES_BUILD_TOOLS=OFF \
    -DCARES_BUILD_TESTS=OFF
}

build_abseil() {
  local s; s=$(unpack abseil)
  cmake_lib "$s" -DABSL_PROPAGATE_CXX_STD=ON -DABSL_BUILD_TESTING=OFF \
    -DABSL_ENABLE_INSTALL=ON
}

build_re2() {
  local s; s=$(unpack re2)
  # Debian's +dfsg tarball drops the generated tables; Debian's build makes
  # them again (REBUILD_TABLES=1) from the unicode-data package, and so do we.
  (cd "$s" && perl re2/make_perl_groups.pl >re2/perl_groups.cc &&
     python3 re2/make_unicode_casefold.py >re2/unicode_casefold.cc &&
     python3 re2/make_unicode_groups.py >re2/unicode_groups.cc)
  cmake_lib "$s" -DRE2_BUILD_TESTING=OFF
}

build_protobuf() {
  local s; s=$(unpack protobuf)
  # The host's protoc (same version) generates code; only the runtime here.
  cmake_lib "$s" -Dprotobuf_BUILD_TESTS=OFF -Dprotobuf_BUILD_PROTOC_BINARIES=OFF \
    -Dprotobuf_BUILD_SHARED_LIBS=OFF -Dprotobuf_WITH_ZLIB=ON -Dprotobuf_BUILD_EXAMPLES=OFF
  # protobuf only warns when zlib is missing; a runtime without it is not
  # the one the Linux build links.
  grep -Eq "^ZLIB_LIBRARY(_RELEASE)?:FILEPATH=$PREFIX/" "$s/_build/CMakeCache.txt" ||
    die "protobuf did not find the prefix's zlib"
}

build_grpc() {
  local s; s=$(unpack grpc)
  # Every dependency from this prefix; no code generators (the host's
  # grpc_cpp_plugin of the same version is used).
  cmake_lib "$s" -DgRPC_INSTALL=ON -DgRPC_BUILD_TESTS=OFF -DgRPC_BUILD_CODEGEN=OFF \
    -DgRPC_BUILD_GRPC_CPP_PLUGIN=OFF -DgRPC_BUILD_GRPC_CSHARP_PLUGIN=OFF \
    -DgRPC_BUILD_GRPC_NODE_PLUGIN=OFF -DgRPC_BUILD_GRPC_OBJECTIVE_C_PLUGIN=OFF \
    -DgRPC_BUILD_GRPC_PHP_PLUGIN=OFF -DgRPC_BUILD_GRPC_PYTHON_PLUGIN=OFF \
    -DgRPC_BUILD_GRPC_RUBY_PLUGIN=OFF -DgRPC_BUILD_CSHARP_EXT=OFF \
    -DgRPC_ZLIB_PROVIDER=package -DgRPC_CARES_PROVIDER=package \
    -DgRPC_RE2_PROVIDER=package -DgRPC_SSL_PROVIDER=package \
    -DgRPC_PROTOBUF_PROVIDER=package -DgRPC_ABSL_PROVIDER=package \
    -DgRPC_PROTOBUF_PACKAGE_TYPE=CONFIG -D_gRPC_PROTOBUF_PROTOC_EXECUTABLE="$(command -v protoc)"
}

build_sqlite3() {
  local s; s=$(unpack sqlite3)
  # Cross-configuring fails at generating sqlite3.h (measured), so the
  # amalgamation is generated natively and compiled with mingw.
  (cd "$s" && mkdir -p _native && cd _native && ../configure --disable-tcl >/dev/null &&
     nice -n 10 make -j "$JOBS" sqlite3.c >/dev/null)
  local o="$s/_native"
  # The options Debian's build enables that the agent's spool relies on none
  # of; THREADSAFE=1 because the agent's threads share the library.
  nice -n 10 "${launcher[@]}" $TRIPLE-gcc-posix -O2 -DNDEBUG -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_FTS5 \
    -DSQLITE_ENABLE_JSON1 -DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_DQS=0 \
    -c "$o/sqlite3.c" -o "$o/sqlite3.o"
  $TRIPLE-ar rcs "$o/libsqlite3.a" "$o/sqlite3.o"
  install -D -m 644 "$o/libsqlite3.a" "$STAGE$PREFIX/lib/libsqlite3.a"
  install -D -m 644 "$o/sqlite3.h" "$STAGE$PREFIX/include/sqlite3.h"
  install -D -m 644 "$s/src/sqlite3ext.h" "$STAGE$PREFIX/include/sqlite3ext.h" 2>/dev/null ||
    install -D -m 644 "$o/sqlite3ext.h" "$STAGE$PREFIX/include/sqlite3ext.h"
}

build_yaml-cpp() {
  local s; s=$(unpack yaml-cpp)
  cmake_lib "$s" -DYAML_CPP_BUILD_TESTS=OFF -DYAML_CPP_BUILD_TOOLS=OFF \
    -DYAML_CPP_BUILD_CONTRIB=OFF -DYAML_BUILD_SHARED_LIBS=OFF
}

build_boost1.74() {
  # Only Boost.ProgramOptions is a compiled library the agent links; its
  # sources and the headers come from the source package, compiled directly
  # (b2 would have to be bootstrapped for a cross build for eleven files).
  local ver=${VERSION[boost1.74]}
  fetch_source boost1.74 "$ver" || die "apt-get source boost1.74=$ver failed"
  local dir="$WORK/boost1.74"
  rm -rf "$dir"
  mkdir -p "$dir"
  local orig
  orig=$(ls "$SRC/boost1.74_${ver%%-*}".orig.tar.* | head -1)
  # Debian's orig tarball keeps Boost's modular layout (libs/<lib>/include):
  # extract only the header folders and program_options' sources, then merge
  # the headers into one boost/ tree as Boost's own `b2 headers` does.
  tar -xf "$orig" -C "$dir" --strip-components=1 --wildcards '*/include/boost/*' \
    '*/libs/program_options/src/*'
  mkdir -p "$dir/merged"
  local inc
  while IFS= read -r inc; do
    cp -r "$inc/boost" "$dir/merged/"
  done < <(find "$dir/libs" -type d -name include -exec test -d '{}/boost' ';' -print | sort)
  local objs=() f
  mkdir -p "$dir/_obj"
  for f in "$dir"/libs/program_options/src/*.cpp; do
    nice -n 10 "${launcher[@]}" $TRIPLE-g++-posix -std=c++17 -O2 -DNDEBUG -DBOOST_PROGRAM_OPTIONS_STATIC_LINK \
      -I"$dir/merged" -c "$f" -o "$dir/_obj/$(basename "$f" .cpp).o" &
    objs+=("$dir/_obj/$(basename "$f" .cpp).o")
    if (( $(jobs -r | wc -l) >= JOBS )); then wait -n; fi
  done
  wait
  rm -f "$dir/_obj/libboost_program_options.a"
  $TRIPLE-ar rcs "$dir/_obj/libboost_program_options.a" "${objs[@]}"
  install -D -m 644 "$dir/_obj/libboost_program_options.a" \
    "$STAGE$PREFIX/lib/libboost_program_options.a"
  mkdir -p "$STAGE$PREFIX/include"
  cp -r "$dir/merged/boost" "$STAGE$PREFIX/include/boost"
}

# What each library links from the prefix: rebuilding one rebuilds its users.
declare -A DEPENDS=(
  [protobuf]="zlib"
  [grpc]="zlib c-ares openssl abseil re2 protobuf"
)
declare -A REBUILT

# Builds one library unless its stamp verifies and none of its dependencies
# was rebuilt in this run; stamps the files it installed.
build() {
  local pkg=$1 dep stale=
  for dep in ${DEPENDS[$pkg]:-}; do
    [[ -n ${REBUILT[$dep]:-} ]] && stale=$dep
  done
  if [[ -z $stale ]] && stamp_ok "$pkg"; then
    log "$pkg ${VERSION[$pkg]}: present"
    return
  fi
  [[ -n $stale ]] && log "$pkg: $stale was rebuilt, so $pkg is too"
  REBUILT[$pkg]=1
  rm -f "$PREFIX/.stamps/$pkg"
  local logf="$PREFIX/.logs/$pkg.log" start
  STAGE="$WORK/$pkg.stage"
  rm -rf "$STAGE"
  log "$pkg ${VERSION[$pkg]}: building (log: $logf)"
  start=$(date +%s)
  # Started in the background and waited for, so that `set -e` holds inside
  # (it is off in any subshell whose status an `if` or `||` tests).
  # `time` also gives the CPU seconds, which on a shared machine say more
  # than the wall time: (user + sys) / 2 is the time on two idle cores.
  local rc=0
  (TIMEFORMAT='%U %S'; time { ("build_$pkg") >"$logf" 2>&1; }) 2>"$WORK/$pkg.cpu" &
  wait $! || rc=$?
  if [[ $rc -ne 0 ]]; then
    tail -20 "$logf" >&2
    die "$pkg failed; see $logf"
  fi
  local secs=$(($(date +%s) - start)) cpu
  cpu=$(awk '{printf "%d", $1 + $2}' "$WORK/$pkg.cpu" 2>/dev/null || echo "?")
  [[ -d $STAGE$PREFIX ]] || die "$pkg installed nothing; see $logf"
  cp -a "$STAGE$PREFIX/." "$PREFIX/"
  write_stamp "$pkg" "$STAGE$PREFIX"
  echo "$pkg ${VERSION[$pkg]} ${secs}s wall ${cpu}s cpu" >>"$PREFIX/.logs/times"
  log "$pkg: done in ${secs} s (${cpu} s of CPU)"
  rm -rf "$WORK/$pkg" "$STAGE"
}

for pkg in "${ORDER[@]}"; do build "$pkg"; done
rm -rf "$WORK"
printf '%s\n' "$key_text" >"$PREFIX/.complete"
log "complete: $PREFIX"
echo "$PREFIX"
