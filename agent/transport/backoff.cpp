#include "agent/transport/backoff.h"

#include <algorithm>
#include <memory>
#include <random>

namespace mamori::transport {

std::function<double()> DefaultUniform01() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine]() {
    return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
  };
}

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds max,
                 std::function<double()> uniform01)
    : base_(base),
      max_(max),
      uniform01_(uniform01 ? std::move(uniform01) : DefaultUniform01()) {}

std::chrono::milliseconds Backoff::Next(std::chrono::milliseconds retry_after) {
  // Double until the cap; stop growing the exponent once there so the
  // arithmetic never overflows on a long outage.
  int64_t ceiling = base_.count();
  for (int i = 0; i < attempt_ && ceiling < max_.count(); ++i) ceiling *= 2;
  ceiling = std::min<int64_t>(ceiling, max_.count());
  if (ceiling < max_.count()) ++attempt_;
  const double u = uniform01_();
  const int64_t floor = ceiling / 2;
  const int64_t span = ceiling - floor;
  int64_t delay = floor + static_cast<int64_t>(u * static_cast<double>(span));
  delay = std::max<int64_t>(delay, retry_after.count());
  return std::chrono::milliseconds(std::min<int64_t>(delay, max_.count()));
}

std::chrono::milliseconds Jittered(std::chrono::milliseconds interval,
                                   double fraction,
                                   const std::function<double()>& uniform01) {
  const double spread = static_cast<double>(interval.count()) * fraction;
  const double offset = (uniform01() * 2.0 - 1.0) * spread;
  return std::chrono::milliseconds(
      std::max<int64_t>(1, interval.count() + static_cast<int64_t>(offset)));
}

}  // namespace mamori::transport
