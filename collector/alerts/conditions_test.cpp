#include "collector/alerts/conditions.h"

#include <gtest/gtest.h>

namespace mamori::alerts {
namespace {

using grading::CheckResult;
using grading::CheckStatus;

const TimePoint kNow = FromUnixSeconds(1795132800);  // 2026-11-20T00:00:00Z

LocalName Named(const std::string& id) { return {"名:" + id, "name:" + id}; }

std::vector<store::GradingHost> Hosts() {
  return {{1, "pc-01", "windows", "laptop", true, kNow},
          {2, "pc-02\r\nBcc: x@evil", "windows", "laptop", true, kNow}};
}

TEST(FailingConditions, OnePerFailingHostAndCheckBannedTitlesApart) {
  std::vector<CheckResult> results = {
      {"antivirus_on",
       "1",
       CheckStatus::kFail,
       {{"realtime", "false"}},
       kNow,
       std::nullopt},
      {"antivirus_on", "2", CheckStatus::kPass, {}, kNow, std::nullopt},
      {"firewall_on", "2", CheckStatus::kUnknown, {}, kNow, std::nullopt},
      {kBannedCheck,
       "2",
       CheckStatus::kFail,
       {{"banned_software",
         "TeamViewer 15.2 (teamviewer); uTorrent 3.6 (utorrent)"}},
       kNow,
       std::nullopt},
      {"antivirus_on", "99", CheckStatus::kFail, {}, kNow, std::nullopt},
  };
  auto conditions = FailingConditions(Hosts(), results, Named, Named);
  ASSERT_EQ(conditions.size(), 3u);
  EXPECT_EQ(conditions[0].kind, store::kAlertCheckFailing);
  EXPECT_EQ(conditions[0].host_id, 1);
  EXPECT_EQ(conditions[0].subject, "antivirus_on");
  EXPECT_EQ(conditions[0].subject_ja, "名:antivirus_on");
  EXPECT_EQ(conditions[0].detail, "realtime=false");
  EXPECT_EQ(conditions[1].kind, store::kAlertBannedSoftware);
  EXPECT_EQ(conditions[1].subject, "teamviewer");
  EXPECT_EQ(conditions[1].detail, "TeamViewer 15.2");
  EXPECT_EQ(conditions[1].hostname, "pc-02\r\nBcc: x@evil");
  EXPECT_EQ(conditions[2].subject, "utorrent");
}

TEST(FailingConditions, UnreadableBannedEvidenceStillAlertsAsTheCheck) {
  std::vector<CheckResult> results = {{kBannedCheck,
                                       "1",
                                       CheckStatus::kFail,
                                       {{"banned_software", "garbage"}},
                                       kNow,
                                       std::nullopt}};
  auto conditions = FailingConditions(Hosts(), results, Named, Named);
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].kind, store::kAlertCheckFailing);
  EXPECT_EQ(conditions[0].subject, kBannedCheck);
}

TEST(ParseBannedEvidence, TitlesInTheLastParentheses) {
  auto parsed = ParseBannedEvidence("A (x) tool 1.0 (anydesk);  ; bad; B ()");
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].first, "anydesk");
  EXPECT_EQ(parsed[0].second, "A (x) tool 1.0");
}

TEST(SilentConditions, OnlyHostsPastTheThresholdThatEverReported) {
  std::vector<store::AlertHost> hosts = {
      {1, "fresh", kNow - std::chrono::hours(24 * 6)},
      {2, "silent", kNow - std::chrono::hours(24 * 8)},
      {3, "never", std::nullopt}};
  auto conditions = SilentConditions(hosts, kNow, 7);
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].host_id, 2);
  EXPECT_EQ(conditions[0].kind, store::kAlertHostSilent);
  EXPECT_EQ(conditions[0].detail, "2026-11-12T00:00:00Z");
  EXPECT_TRUE(SilentConditions(hosts, kNow, 9).empty());
}

TEST(GradeChanges, OnePerChangedRuleNothingTheFirstTime) {
  const std::string before = R"({"antivirus":"B","passwords":"A"})";
  const std::string after = R"({"antivirus":"C","passwords":"A"})";
  auto changes = GradeChanges(before, after, Named);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].subject, "antivirus");
  EXPECT_EQ(changes[0].detail, "B → C");
  EXPECT_EQ(changes[0].host_id, 0);
  EXPECT_TRUE(GradeChanges("", after, Named).empty());
  EXPECT_TRUE(GradeChanges("not json", after, Named).empty());
  EXPECT_TRUE(GradeChanges(before, before, Named).empty());
}

TEST(UnmanagedDeviceConditions, KeyedByTheDevice) {
  auto conditions = UnmanagedDeviceConditions(
      {{"aa:bb:cc:00:11:22", "192.168.1.20", "Brother", "pc-01"}});
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].kind, store::kAlertUnmanagedDevice);
  EXPECT_EQ(conditions[0].subject, "aa:bb:cc:00:11:22");
}

}  // namespace
}  // namespace mamori::alerts
