#pragma once

// LogLimiter: at most `lines_per_minute` log lines of one kind (refused
// reports, refused enrollments), so a flood of refusals is logged without
// filling the disk; the next line written says how many were left out.
//
// Thread-safe. Time comes from the injected Clock.

#include <cstdint>
#include <mutex>

#include "common/clock.h"

namespace mamori::service {

class LogLimiter {
 public:
  LogLimiter(const Clock& clock, int lines_per_minute)
      : clock_(clock), lines_per_minute_(lines_per_minute) {}

  // Whether to write a line now. When true, `*left_out` is the number of
  // lines refused since the last one written.
  bool Allow(uint64_t* left_out);

 private:
  const Clock& clock_;
  const int lines_per_minute_;
  std::mutex mu_;
  TimePoint window_start_{};
  int written_in_window_ = 0;
  uint64_t left_out_ = 0;
};

}  // namespace mamori::service
