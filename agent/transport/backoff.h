#pragma once

// Backoff: exponential retry delays with full jitter, so a fleet of agents
// that lost the collector at the same moment does not come back in lockstep.
//
// Delay n (from 0) is uniform in [base·2ⁿ/2, base·2ⁿ], capped at `max`; a
// server's retry-after hint raises the next delay to at least the hint.
// Randomness comes from an injected source so tests are deterministic.
// Not thread-safe: one Backoff per retry loop.

#include <chrono>
#include <cstdint>
#include <functional>

namespace mamori::transport {

class Backoff {
 public:
  // `uniform01` returns values in [0, 1); defaults to a seeded std::mt19937.
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds max,
          std::function<double()> uniform01 = nullptr);

  // Returns the delay before the next attempt and advances the exponent.
  // A positive `retry_after` is a lower bound (the collector asked for it),
  // still capped at max.
  std::chrono::milliseconds Next(
      std::chrono::milliseconds retry_after = std::chrono::milliseconds(0));

  // After a success: the next failure starts again from `base`.
  void Reset() { attempt_ = 0; }

  int attempt() const { return attempt_; }

 private:
  std::chrono::milliseconds base_;
  std::chrono::milliseconds max_;
  std::function<double()> uniform01_;
  int attempt_ = 0;
};

// Returns `interval` spread by ±`fraction` using `uniform01` (in [0, 1)).
std::chrono::milliseconds Jittered(std::chrono::milliseconds interval,
                                   double fraction,
                                   const std::function<double()>& uniform01);

// A uniform [0, 1) source seeded from std::random_device.
std::function<double()> DefaultUniform01();

}  // namespace mamori::transport
