#include "agent/facts/decode/windows_update.h"

#include <gtest/gtest.h>

#include <limits>

namespace mamori::facts::win {
namespace {

// 2026-12-01 00:00:00 UTC is OLE day 46357.
constexpr double kDec1 = 46357.0;
const TimePoint kNow = FromUnixSeconds(1'796'083'200 + 6 * 86400);  // 12-07

TEST(FromOleDate, EpochAndRejects) {
  EXPECT_EQ(FromOleDate(25569.0), FromUnixSeconds(0));
  EXPECT_EQ(FromOleDate(kDec1), FromUnixSeconds(1'796'083'200));
  EXPECT_EQ(FromOleDate(kDec1 + 0.5), FromUnixSeconds(1'796'083'200 + 43200));
  EXPECT_EQ(FromOleDate(0), std::nullopt);
  EXPECT_EQ(FromOleDate(-1), std::nullopt);
  EXPECT_EQ(FromOleDate(std::numeric_limits<double>::quiet_NaN()),
            std::nullopt);
  EXPECT_EQ(FromOleDate(std::numeric_limits<double>::infinity()), std::nullopt);
  EXPECT_EQ(FromOleDate(1e12), std::nullopt);
  EXPECT_EQ(FromOleDate(2958465.0), std::nullopt);  // 9999-12-31
}

TEST(DecideWindowsUpdateRun, NeedsSearchAndInstall) {
  const WindowsUpdateRun run = DecideWindowsUpdateRun(kDec1 + 5, kDec1, kNow);
  ASSERT_TRUE(run.completed_at.has_value()) << run.evidence;
  EXPECT_EQ(*run.completed_at, FromUnixSeconds(1'796'083'200));
  EXPECT_NE(run.evidence.find("install 2026-12-01T00:00:00Z"),
            std::string::npos)
      << run.evidence;

  EXPECT_FALSE(DecideWindowsUpdateRun(kDec1, std::nullopt, kNow).completed_at);
  EXPECT_FALSE(DecideWindowsUpdateRun(std::nullopt, kDec1, kNow).completed_at);
  EXPECT_FALSE(DecideWindowsUpdateRun(kDec1, 0.0, kNow).completed_at);
  // An install "in the future" (a clock that ran ahead, or a forged value).
  const WindowsUpdateRun future =
      DecideWindowsUpdateRun(kDec1, kDec1 + 365, kNow);
  EXPECT_FALSE(future.completed_at);
  EXPECT_NE(future.evidence.find("future"), std::string::npos);
  // 9999-12-31 cannot even be held: no installation, not a wrapped date.
  EXPECT_FALSE(DecideWindowsUpdateRun(kDec1, 2958465.0, kNow).completed_at);
}

TEST(DecideWindowsUpdateRunFromRegistry, ParsesUtcStrings) {
  const WindowsUpdateRun run = DecideWindowsUpdateRunFromRegistry(
      "2026-12-02 03:00:00", "2026-12-01 00:00:00", kNow);
  ASSERT_TRUE(run.completed_at.has_value()) << run.evidence;
  EXPECT_EQ(*run.completed_at, FromUnixSeconds(1'796'083'200));
  EXPECT_FALSE(
      DecideWindowsUpdateRunFromRegistry("", "2026-12-01 00:00:00", kNow)
          .completed_at);
  EXPECT_FALSE(DecideWindowsUpdateRunFromRegistry(
                   "2026-12-02 03:00:00", "2026-13-01 00:00:00\x1b[2K", kNow)
                   .completed_at);
}

}  // namespace
}  // namespace mamori::facts::win
