#include "collector/service/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace mamori::service {

namespace {
constexpr size_t kMaxKeys = 10'000;
}  // namespace

double RateLimiter::Refilled(const Bucket& bucket, TimePoint now) const {
  const double elapsed =
      std::chrono::duration<double>(now - bucket.updated).count();
  return std::min(burst_, bucket.tokens + std::max(0.0, elapsed) * per_second_);
}

RateLimiter::Bucket& RateLimiter::Refresh(const std::string& key,
                                          TimePoint now) {
  if (buckets_.size() >= kMaxKeys && buckets_.count(key) == 0) {
    std::erase_if(buckets_, [&](const auto& entry) {
      return Refilled(entry.second, now) >= burst_;
    });
  }
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& bucket = it->second;
  bucket.tokens = Refilled(bucket, now);
  bucket.updated = now;
  return bucket;
}

bool RateLimiter::Allow(const std::string& key,
                        std::chrono::milliseconds* wait) {
  const TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& bucket = Refresh(key, now);
  if (bucket.tokens < 1.0) {
    if (wait != nullptr) {
      const double seconds =
          per_second_ > 0 ? (1.0 - bucket.tokens) / per_second_ : 3600.0;
      *wait = std::chrono::milliseconds(
          static_cast<int64_t>(std::ceil(seconds * 1000.0)));
    }
    return false;
  }
  bucket.tokens -= 1.0;
  return true;
}

bool RateLimiter::HasRoom(const std::string& key) {
  const TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(key);
  return it == buckets_.end() || Refilled(it->second, now) >= 1.0;
}

}  // namespace mamori::service
