#include "common/status.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/log.h"

namespace mamori {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, FactoriesCarryCanonicalCodes) {
  EXPECT_EQ(InvalidArgumentError("x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(static_cast<int>(StatusCode::kResourceExhausted), 8);
  EXPECT_EQ(static_cast<int>(StatusCode::kUnauthenticated), 16);
  EXPECT_EQ(NotFoundError("no such host").ToString(),
            "NOT_FOUND: no such host");
}

TEST(StatusTest, WithContextPrefixesMessageOnlyOnError) {
  EXPECT_EQ(InternalError("disk full").WithContext("spool").message(),
            "spool: disk full");
  EXPECT_TRUE(Status::Ok().WithContext("spool").ok());
}

Status FailsWhenNegative(int v) {
  if (v < 0) return OutOfRangeError("negative");
  return Status::Ok();
}

Status Chain(int v) {
  MAMORI_RETURN_IF_ERROR(FailsWhenNegative(v));
  return AbortedError("reached end");
}

TEST(StatusTest, ReturnIfErrorStopsAtFirstError) {
  EXPECT_EQ(Chain(-1).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(Chain(1).code(), StatusCode::kAborted);
}

Result<int> Half(int v) {
  if (v % 2 != 0) return InvalidArgumentError("odd");
  return v / 2;
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> good = Half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  Result<int> bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(ClockTest, FakeClockAdvancesOnlyWhenTold) {
  FakeClock clock(FromUnixSeconds(1'700'000'000));
  EXPECT_EQ(ToUnixSeconds(clock.Now()), 1'700'000'000);
  clock.Advance(std::chrono::hours(2));
  EXPECT_EQ(ToUnixSeconds(clock.Now()), 1'700'000'000 + 7200);
}

TEST(LogTest, ParsesLevelsAndFilters) {
  LogLevel level = LogLevel::kInfo;
  EXPECT_TRUE(ParseLogLevel("warn", &level));
  EXPECT_EQ(level, LogLevel::kWarning);
  EXPECT_FALSE(ParseLogLevel("verbose", &level));
  InitLogging("test", LogLevel::kError);
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kError));
  InitLogging("test", LogLevel::kInfo);
}

}  // namespace
}  // namespace mamori
