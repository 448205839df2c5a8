#include "collector/service/rate_limiter.h"

#include <algorithm>
#include <chrono>

namespace mamori::service {

namespace {
constexpr size_t kMaxKeys = 10'000;
}  // namespace

double RateLimiter::Refilled(const Bucket& bucket, TimePoint now) const {
  const double elapsed =
      std::chrono::duration<double>(now - bucket.updated).count();
  return std::min(burst_, bucket.tokens + std::max(0.0, elapsed) * per_second_);
}

bool RateLimiter::Allow(const std::string& key) {
  const TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  if (buckets_.size() >= kMaxKeys && buckets_.count(key) == 0) {
    std::erase_if(buckets_, [&](const auto& entry) {
      return Refilled(entry.second, now) >= burst_;
    });
  }
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& bucket = it->second;
  bucket.tokens = Refilled(bucket, now);
  bucket.updated = now;
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

}  // namespace mamori::service
