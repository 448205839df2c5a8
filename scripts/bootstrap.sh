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
  libssl-dev libsodium-dev libyaml-cpp-dev libapt-pkg-dev libxlsxwriter-dev libzip-dev nlohmann-json3-dev
  libcsv-dev librpm-dev libnl-genl-3-dev libsolv-dev libsolvext-dev
  rpm  # builds the RHEL package-database fixture
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  python3-openpyxl time iproute2
  # issue #13.10: rotated apt logs (.gz) are inflated with zlib
  # #15 diagnosis report and evidence pack: cairo/pango PDF, the embedded
  # Japanese font, the HTML template engine, zlib; poppler-utils for tests
  libcairo2-dev libpango1.0-dev fonts-ipaexfont-gothic libkainjow-mustache-dev
  zlib1g-dev poppler-utils openssl
  # fuzzing (#13.11): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # Windows side: cross compiler and Wine (headless); dpkg-source and patch
  # unpack the Debian source packages scripts/windows-deps.sh cross-builds
  g++-mingw-w64-x86-64-posix wine64 wine dpkg-dev patch xz-utils
  # re2's Unicode tables are generated from it, as Debian's own build does
  unicode-data
  # issue #16 packages: debs (debhelper, lintian), MSI (wixl, msiinfo), the
  # install test's Debian 12 root (debootstrap); rpmbuild comes with rpm
  debhelper lintian fakeroot msitools wixl debootstrap
  # the boot test runs the packaged units under a real systemd in
  # systemd-nspawn and reaches the console inside it with curl
  systemd-container curl
  # issue #19 service_exposure: real servers and a real scanner for
  # tests/service_exposure_test.sh and bench/service_exposure_bench.sh. The
  # tests start their own instances in a private network namespace; on a
  # host with systemd Debian also starts the packaged nginx/sshd services
  # (containers' policy-rc.d prevents that), which the tests never use.
  nginx openssh-server tinysshd sslscan
  # RDP's TLS after the X.224 negotiation: xrdp as a real RDP server
  xrdp
  # issue #20 unmanaged devices: the IEEE MAC address registries (OUI, MA-M,
  # MA-S) the collector names neighbours' vendors from
  ieee-data
  # web console (#14): Node for the front-end check and the browser tests,
  # Debian's chromium driven by playwright-core (web/package.json). npm is
  # added below only when no npm is on the PATH (NodeSource's nodejs, as on
  # the build machines, ships its own and conflicts with Debian's npm).
  nodejs chromium
  # the console's load bench (bench/console_bench.sh) drives it with wrk
  wrk
  # issue #17 PostgreSQL backend: libpq to build, the PostgreSQL 15 server
  # for scripts/pg-cluster.sh (tests and benches start their own cluster;
  # Debian's packaged cluster, if the package starts one, is never used)
  libpq-dev postgresql-15 libpqxx-dev
  # issue #17 stateless collectors: HAProxy in front of two collectors in
  # tests/pg_haproxy_test.sh (run unprivileged with the test's own config;
  # Debian's packaged haproxy service, if started, is never used)
  haproxy
  # issue #20 alerts: the tests' SMTP sink (STARTTLS + AUTH) on loopback
  python3-aiosmtpd
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

# The web console's npm packages (#14): playwright-core for the browser
# tests, exactly as web/package-lock.json pins them. Skipped when present.
web_npm() {
  local root
  root="$(cd "$(dirname "$0")/.." && pwd)"
  if [[ ! -d "$root/web/node_modules/playwright-core" ]] ||
     [[ "$root/web/package-lock.json" -nt "$root/web/node_modules/.package-lock.json" ]]; then
    echo "bootstrap: npm ci in web/"
    (cd "$root/web" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
  web_npm
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
web_npm
echo "bootstrap: done"
