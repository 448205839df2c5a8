#pragma once

// The service_exposure probes, portable: given this host's TCP listeners,
// probe each one over loopback or its own bound address (never another host)
// and fill in what it is (SSH, TLS, HTTP(S), other) and what it shows. The OS
// parts are the socket seam (probe_socket.h) and the listener source in each
// platform's gatherer. Also the daily cache: a result is reused while the
// listener list is the same and it is younger than ProbeLimits::max_age.
//
// Per service, in order, each step bounded by `step`:
//   1. connect and wait `step` for the server to speak first: "SSH-" → send
//      our identification line, read the KEXINIT, judge it;
//   2. otherwise a TLS handshake with every version offered; on success the
//      single-version handshakes (1.0–1.3), a DHE-only handshake (group
//      size), the weak-suite ClientHello (repeated while the server picks
//      one), then HTTP over TLS;
//   3. otherwise plain HTTP ("GET /"), else kind "other".
// HTTP(S): "GET /" for the headers, then GET of each AdminPaths() entry.
// A service's probes stop at `per_service`, the whole run at `total`
// (services not reached get probe_state "skipped"). Thread-compatible: one
// call probes sequentially.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/remote_access.h"
#include "agent/facts/service_exposure.h"
#include "agent/facts/types.h"

namespace mamori::facts {

struct ProbeLimits {
  std::chrono::milliseconds step{300};
  std::chrono::milliseconds per_service{2000};
  std::chrono::milliseconds total{5000};
  std::chrono::hours max_age{24};
};

// The address to probe a listener bound to `address` at: 127.0.0.1 for
// 0.0.0.0, ::1 for ::, the IPv4 address inside an IPv4-mapped one, else the
// address itself (with any "%scope" suffix kept).
std::string ProbeAddressFor(std::string_view address);

// The TCP entries of `listeners` as services to probe (UDP is left out).
std::vector<ExposedService> ServicesToProbe(
    const std::vector<ListeningSocket>& listeners);

// Probes `services` (protocol, address, port, loopback_only, pid, process,
// package filled by the caller; TCP only) and fills the rest. A wildcard
// IPv4 and IPv6 listener of the same process on the same port is probed
// once and the answer copied.
void ProbeServices(std::vector<ExposedService>* services,
                   const ProbeLimits& limits, const Clock& clock);

// Probes one service (exposed for tests).
void ProbeService(ExposedService* service, const ProbeLimits& limits,
                  TimePoint now,
                  std::chrono::steady_clock::time_point host_deadline);

// The cache key: the cache format, the agent version and the sorted listener
// list (protocol, address, port, pid, process), one line each, as text (kept
// whole rather than hashed: a few KiB at most, and no hash library is needed
// on Windows).
std::string ServiceListKey(const std::vector<ExposedService>& listeners);

// <state_dir>/service-exposure.json
std::string ServiceExposureCachePath(const std::string& state_dir);

// A cached run.
struct ServiceExposureCache {
  std::string key;
  TimePoint probed_at;
  std::vector<ExposedService> services;
};

std::string SerializeServiceExposureCache(const ServiceExposureCache& cache);
// INVALID_ARGUMENT naming what is wrong (not JSON, no key, a bad member).
Result<ServiceExposureCache> ParseServiceExposureCache(std::string_view text);

// Returns the cached services when the cache file at `path` has `key` and
// was probed within max_age of `now` (and not in the future); nullopt
// otherwise (absent, unreadable, stale: the caller probes afresh).
std::optional<ServiceExposureCache> UsableCache(const std::string& path,
                                                const std::string& key,
                                                TimePoint now,
                                                const ProbeLimits& limits);

// Fills package and package_version of the services it can (called only
// when the probes run, since the lookup reads the package database).
using PackageAttacher = std::function<void(std::vector<ExposedService>*)>;

// Probes (or reuses the cache for) `listeners` (ServicesToProbe) and builds
// the family: state_dir empty → always probe, write nothing.
ServiceExposureFacts ProbeOrReuse(std::vector<ExposedService> listeners,
                                  const GatherContext& ctx,
                                  const ProbeLimits& limits,
                                  const PackageAttacher& attach_packages);

}  // namespace mamori::facts
