#pragma once

// The range of times TimePoint holds, for parsers of dates read from the
// machine (dpkg.log, rpm headers, registry and WMI values): beyond it a
// conversion to TimePoint overflows (signed overflow, found by the fuzzers),
// so such a date is treated as unreadable. Thread-safe: constants and pure
// functions.

#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace mamori::facts {

// The last second after (and before) the Unix epoch that TimePoint holds:
// 2262-04-11 (and 1677) where it counts nanoseconds in 64 bits.
inline constexpr int64_t kTimePointLastSecond =
    std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max())
        .count();

// True when `day` with two days of margin (a time of day, a UTC offset) is
// within ±kTimePointLastSecond.
inline bool DayFitsTimePoint(std::chrono::sys_days day) {
  const int64_t seconds =
      std::chrono::duration_cast<std::chrono::seconds>(day.time_since_epoch())
          .count();
  constexpr int64_t kMargin = 2 * 86400;
  return seconds <= kTimePointLastSecond - kMargin &&
         seconds >= -(kTimePointLastSecond - kMargin);
}

}  // namespace mamori::facts
