#pragma once

// Quotas: what one host and one organisation may send (issue 13.4), checked
// after authentication and before parsing. A host gets a report-rate token
// bucket; hosts and organisations get a number of report bytes per UTC day.
// A refusal carries the time after which a retry can succeed, sent to the
// agent as grpc-retry-pushback-ms with RESOURCE_EXHAUSTED.
//
// The daily byte counts live in memory: a restart forgives the day so far
// (the rate limit still holds), which is the price of checking without a
// store access on every report.
//
// Thread-safe. Time comes from the injected Clock.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "collector/service/rate_limiter.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::service {

struct QuotaOptions {
  // Reports per host: sustained per hour and at once (agents report hourly;
  // retries and catch-up after an outage need the burst).
  double host_reports_per_hour = 60;
  double host_report_burst = 30;
  // Request bytes per UTC day (a steady report is ≈3 KB, a first report with
  // 1,500 packages ≈110 KB).
  uint64_t host_bytes_per_day = 64ull << 20;
  uint64_t org_bytes_per_day = 8ull << 30;
};

class Quotas {
 public:
  Quotas(const Clock& clock, QuotaOptions options)
      : clock_(clock),
        options_(options),
        host_rate_(clock, options.host_reports_per_hour / 60.0,
                   options.host_report_burst) {}

  // Admits one report of `bytes` from `host_id` of `org_id` and counts it.
  // Returns OK, or RESOURCE_EXHAUSTED naming the quota with `*retry_after`
  // set to when a retry can succeed.
  Status Admit(int64_t host_id, int64_t org_id, uint64_t bytes,
               std::chrono::milliseconds* retry_after);

 private:
  const Clock& clock_;
  const QuotaOptions options_;
  RateLimiter host_rate_;
  std::mutex mu_;
  int64_t day_ = -1;  // days since the epoch (UTC) the counts are for
  std::unordered_map<int64_t, uint64_t> host_bytes_;
  std::unordered_map<int64_t, uint64_t> org_bytes_;
};

}  // namespace mamori::service
