#!/usr/bin/env bash
# Compiles every agent source that the Windows build needs beyond the fact
# library (CLI commands, config, spool, transport: the code that uses gRPC,
# protobuf and Poco) with the mingw-w64 compiler in syntax-only mode, against
# Debian's own gRPC/protobuf/abseil/Poco/OpenSSL headers.
#
# Why: Debian has no mingw builds of gRPC, protobuf or Poco, so these files
# cannot be linked for Windows here (MSVC + vcpkg does that, see
# docs/building-windows.md). Syntax-only compilation still checks every
# `#ifdef _WIN32` branch, every Windows API call and type in them, and that the
# portable code does not use POSIX-only calls. The fact library, the portable
# checker and the platform seam are fully cross-built and run under Wine by
# scripts/test-windows.sh.
#
# Usage: scripts/windows-syntax-check.sh GENERATED_PROTO_DIR [MINGW_CXX]
#   GENERATED_PROTO_DIR  the native build's proto/gen (holds mamori/v1/*.pb.h)
#   MINGW_CXX            default x86_64-w64-mingw32-g++-posix
set -euo pipefail

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  [[ $# -lt 1 ]] && exit 2 || exit 0
fi
gen=$1
cxx=${2:-x86_64-w64-mingw32-g++-posix}
root=$(cd "$(dirname "$0")/.." && pwd)

if [[ ! -f $gen/mamori/v1/collector.pb.h ]]; then
  echo "windows-syntax-check: no generated protobuf headers in $gen" >&2
  echo "  (build the native tree first: cmake --build build)" >&2
  exit 2
fi
command -v "$cxx" >/dev/null || {
  echo "windows-syntax-check: compiler $cxx not found (scripts/bootstrap.sh installs it)" >&2
  exit 2
}

# The host's include directory cannot be put on the cross compiler's path as
# a whole (glibc's headers would shadow mingw's). Expose only the libraries'
# own folders, after mingw's, plus the two headers Poco spells with capitals
# (Windows file names are case-insensitive, mingw's are lower case).
shim=$(mktemp -d)
trap 'rm -rf "$shim"' EXIT
mkdir -p "$shim/lib" "$shim/arch" "$shim/case"
for d in grpc grpcpp google absl Poco boost yaml-cpp nlohmann openssl sodium sodium.h \
         sqlite3.h; do
  [[ -e /usr/include/$d ]] && ln -s "/usr/include/$d" "$shim/lib/$d"
done
ln -s /usr/include/x86_64-linux-gnu/openssl "$shim/arch/openssl"
mingw_inc=/usr/share/mingw-w64/include
ln -s "$mingw_inc/winsock2.h" "$shim/case/Winsock2.h"
ln -s "$mingw_inc/iphlpapi.h" "$shim/case/Iphlpapi.h"

# The same definitions as cmake/mingw-w64-x86_64.cmake and CMakePresets.json.
flags=(-std=c++20 -fsyntax-only -Wall -Wextra -Werror
       -D_WIN32_WINNT=0x0A00 -DWINVER=0x0A00 -DUNICODE -D_UNICODE
       -DWIN32_LEAN_AND_MEAN -DNOMINMAX
       -I"$root" -I"$gen"
       -idirafter "$shim/case" -idirafter "$shim/lib" -idirafter "$shim/arch")

cd "$root"
# What the cross build leaves out: the agent outside its fact library and
# platform seam, the facts → protobuf mapping, the SHA-256 helper, and the
# OpenSSL side of service_exposure (TLS probe, Windows trust store; issue #19:
# linked once the cross build has OpenSSL, issue #18).
mapfile -t sources < <(ls agent/*.cpp agent/config/*.cpp agent/spool/*.cpp \
                          agent/transport/*.cpp agent/facts/endpoint_proto.cpp \
                          common/sha256.cpp agent/facts/service_tls.cpp \
                          agent/facts/windows/trust_store.cpp | grep -v '_test\.cpp$' |
                        grep -vxF -e agent/delivery_exec.cpp)
# Not built for Windows: delivery_exec.cpp (POSIX only: the lean Linux
# mamori-agent exec()s mamori-agent-delivery; Windows has one program).
echo "windows-syntax-check: ${#sources[@]} agent sources with $cxx"
failed=0
printf '%s\n' "${sources[@]}" |
  xargs -P "${JOBS:-2}" -I{} sh -c '"$0" "$@" {} 2>&1 || { echo "FAILED: {}"; exit 1; }' \
    "$cxx" "${flags[@]}" || failed=1
if [[ $failed -ne 0 ]]; then
  echo "windows-syntax-check: some sources do not compile for Windows (see above)" >&2
  exit 1
fi
echo "windows-syntax-check: all ${#sources[@]} compile for Windows (syntax only)"
