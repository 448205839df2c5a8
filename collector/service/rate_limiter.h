#pragma once

// Per-key token bucket: at most `burst` events at once and `per_minute` on
// average per key (the key is an enrollment token's hash). Keys that have
// refilled completely are forgotten when the table grows, so bogus keys
// cannot exhaust memory.
//
// Thread-safe. Time comes from the injected Clock.

#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace mamori::service {

class RateLimiter {
 public:
  RateLimiter(const Clock& clock, double per_minute, double burst)
      : clock_(clock), per_second_(per_minute / 60.0), burst_(burst) {}

  // Takes one event for `key`. Returns true when allowed.
  bool Allow(const std::string& key);

 private:
  struct Bucket {
    double tokens;
    TimePoint updated;
  };
  double Refilled(const Bucket& bucket, TimePoint now) const;

  const Clock& clock_;
  const double per_second_;
  const double burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace mamori::service
