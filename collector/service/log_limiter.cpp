#include "collector/service/log_limiter.h"

namespace mamori::service {

bool LogLimiter::Allow(uint64_t* left_out) {
  const TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  if (now - window_start_ >= std::chrono::minutes(1) || now < window_start_) {
    window_start_ = now;
    written_in_window_ = 0;
  }
  if (written_in_window_ >= lines_per_minute_) {
    ++left_out_;
    return false;
  }
  ++written_in_window_;
  *left_out = left_out_;
  left_out_ = 0;
  return true;
}

}  // namespace mamori::service
