#include "collector/service/quotas.h"

#include <gtest/gtest.h>

namespace mamori::service {
namespace {

using std::chrono::milliseconds;

TEST(QuotasTest, HostRateRefusesPastTheBurstWithTheTimeToWait) {
  FakeClock clock(FromUnixSeconds(1'763'900'000));
  QuotaOptions options;
  options.host_reports_per_hour = 60;
  options.host_report_burst = 3;
  Quotas quotas(clock, options);
  milliseconds wait{0};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(quotas.Admit(1, 1, 100, &wait).ok());
  Status refused = quotas.Admit(1, 1, 100, &wait);
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(wait, milliseconds(60'000));
  EXPECT_TRUE(quotas.Admit(2, 1, 100, &wait).ok()) << "hosts are apart";
  clock.Advance(std::chrono::minutes(1));
  EXPECT_TRUE(quotas.Admit(1, 1, 100, &wait).ok());
}

TEST(QuotasTest, DailyBytesPerHostAndPerOrganisationResetAtUtcMidnight) {
  // 2025-11-23 12:00 UTC.
  FakeClock clock(FromUnixSeconds(1'763'899'200));
  QuotaOptions options;
  options.host_report_burst = 1000;
  options.host_bytes_per_day = 1000;
  options.org_bytes_per_day = 2500;
  Quotas quotas(clock, options);
  milliseconds wait{0};
  EXPECT_TRUE(quotas.Admit(1, 7, 600, &wait).ok());
  Status host_over = quotas.Admit(1, 7, 600, &wait);
  EXPECT_EQ(host_over.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(host_over.message().find("host's daily size quota"),
            std::string::npos);
  EXPECT_EQ(wait, milliseconds(12 * 3600 * 1000)) << "until midnight UTC";
  EXPECT_TRUE(quotas.Admit(2, 7, 900, &wait).ok());
  EXPECT_TRUE(quotas.Admit(3, 7, 900, &wait).ok());
  Status org_over = quotas.Admit(4, 7, 200, &wait);
  EXPECT_EQ(org_over.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(org_over.message().find("organisation's"), std::string::npos);
  EXPECT_TRUE(quotas.Admit(5, 8, 200, &wait).ok()) << "another organisation";
  clock.Advance(std::chrono::hours(12));
  EXPECT_TRUE(quotas.Admit(1, 7, 900, &wait).ok()) << "a new day";
}

}  // namespace
}  // namespace mamori::service
