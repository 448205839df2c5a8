#include "collector/service/quotas.h"

namespace mamori::service {

Status Quotas::Admit(int64_t host_id, int64_t org_id, uint64_t bytes,
                     std::chrono::milliseconds* retry_after) {
  if (!host_rate_.Allow(std::to_string(host_id), retry_after)) {
    return ResourceExhaustedError(
        "host " + std::to_string(host_id) +
        " sends reports faster than its quota allows; retry after "
        "grpc-retry-pushback-ms");
  }
  constexpr int64_t kDay = 86'400;
  const int64_t now = ToUnixSeconds(clock_.Now());
  const int64_t day = now / kDay;
  std::lock_guard<std::mutex> lock(mu_);
  if (day != day_) {
    day_ = day;
    host_bytes_.clear();
    org_bytes_.clear();
  }
  uint64_t& host_used = host_bytes_[host_id];
  uint64_t& org_used = org_bytes_[org_id];
  const char* over = nullptr;
  if (host_used + bytes > options_.host_bytes_per_day) {
    over = "host's";
  } else if (org_used + bytes > options_.org_bytes_per_day) {
    over = "organisation's";
  }
  if (over != nullptr) {
    *retry_after = std::chrono::seconds((day + 1) * kDay - now);
    return ResourceExhaustedError(
        std::string("report of host ") + std::to_string(host_id) +
        " is over the " + over +
        " daily size quota; retry after grpc-retry-pushback-ms (the next UTC "
        "day)");
  }
  host_used += bytes;
  org_used += bytes;
  return Status::Ok();
}

}  // namespace mamori::service
