#pragma once

// Per-key token bucket: at most `burst` events at once and `per_minute` on
// average per key (an enrollment token's hash, a peer address, a host id). Keys
// that have refilled completely are forgotten when the table grows, so bogus
// keys cannot exhaust memory.
//
// Thread-safe. Time comes from the injected Clock.

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace mamori::service {

class RateLimiter {
 public:
  RateLimiter(const Clock& clock, double per_minute, double burst)
      : clock_(clock), per_second_(per_minute / 60.0), burst_(burst) {}

  // Takes one event for `key`. Returns true when allowed; when refused and
  // `wait` is given, sets it to the time until an event is allowed again.
  bool Allow(const std::string& key, std::chrono::milliseconds* wait = nullptr);
  // Whether an event for `key` would be allowed now, taking nothing (for
  // budgets charged only when something fails).
  bool HasRoom(const std::string& key);

 private:
  struct Bucket {
    double tokens;
    TimePoint updated;
  };
  double Refilled(const Bucket& bucket, TimePoint now) const;
  // The bucket of `key`, refilled to now (created full); under mu_.
  Bucket& Refresh(const std::string& key, TimePoint now);

  const Clock& clock_;
  const double per_second_;
  const double burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace mamori::service
