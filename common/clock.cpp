#include "common/clock.h"

namespace mamori {

const Clock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace mamori
