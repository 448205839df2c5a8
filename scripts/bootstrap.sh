#!/usr/bin/env bash
# Installs every build and test dependency of mamori from Debian 12's own
# packages. Idempotent: when everything is present it only checks and exits in
# well under a second. Waits for a busy dpkg instead of failing.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  clang-format clang-tidy
  # RPC and serialisation
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  # libraries
  libboost-program-options-dev libboost-dev libpoco-dev libsqlite3-dev sqlite3
  libssl-dev libsodium-dev libyaml-cpp-dev libapt-pkg-dev libxlsxwriter-dev nlohmann-json3-dev
  libcsv-dev librpm-dev libnl-genl-3-dev libsolv-dev libsolvext-dev
  rpm  # builds the RHEL package-database fixture
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  python3-openpyxl time iproute2
  # fuzzing (#13.11): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # Windows side: cross compiler and Wine (headless)
  g++-mingw-w64-x86-64-posix wine64 wine
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

echo "bootstrap: installing ${missing[*]}"
APT=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600
     -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
$SUDO "${APT[@]}" update
$SUDO "${APT[@]}" install --no-install-recommends "${missing[@]}"
echo "bootstrap: done"
