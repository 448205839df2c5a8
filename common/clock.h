#pragma once

// Clock: the one way code asks for the time, so tests can inject a fixed or
// stepping clock instead of reading the wall clock. Implementations are
// thread-safe.

#include <chrono>
#include <mutex>

namespace mamori {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Returns the current wall-clock time (UTC).
  virtual TimePoint Now() const = 0;
};

// The real system clock.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  // A process-wide instance for production wiring.
  static const Clock& Instance();
};

// A clock for tests: returns a fixed time until Advance() or Set() is called.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(std::chrono::nanoseconds by) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += std::chrono::duration_cast<TimePoint::duration>(by);
  }
  void Set(TimePoint to) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = to;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;
};

// Seconds since the Unix epoch for `t` (floor).
inline int64_t ToUnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch())
      .count();
}
inline TimePoint FromUnixSeconds(int64_t seconds) {
  return TimePoint(std::chrono::seconds(seconds));
}

}  // namespace mamori
