#include "collector/service/rate_limiter.h"

#include <gtest/gtest.h>

namespace mamori::service {
namespace {

TEST(RateLimiterTest, AllowsBurstThenRefillsWithTime) {
  FakeClock clock(FromUnixSeconds(1'000'000));
  RateLimiter limiter(clock, /*per_minute=*/6, /*burst=*/3);
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  EXPECT_TRUE(limiter.Allow("b")) << "keys are independent";
  clock.Advance(std::chrono::seconds(9));
  EXPECT_FALSE(limiter.Allow("a"));
  clock.Advance(std::chrono::seconds(1));  // 10 s = one token at 6/min
  EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a"));
  clock.Advance(std::chrono::hours(1));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow("a"));
  EXPECT_FALSE(limiter.Allow("a")) << "never more than the burst";
}

TEST(RateLimiterTest, RefusalSaysHowLongToWaitAndHasRoomTakesNothing) {
  FakeClock clock(FromUnixSeconds(1'000'000));
  RateLimiter limiter(clock, /*per_minute=*/6, /*burst=*/2);
  EXPECT_TRUE(limiter.HasRoom("peer"));
  EXPECT_TRUE(limiter.HasRoom("peer")) << "a look takes nothing";
  EXPECT_TRUE(limiter.Allow("peer"));
  EXPECT_TRUE(limiter.Allow("peer"));
  EXPECT_FALSE(limiter.HasRoom("peer"));
  std::chrono::milliseconds wait{0};
  EXPECT_FALSE(limiter.Allow("peer", &wait));
  EXPECT_EQ(wait, std::chrono::milliseconds(10'000));
  clock.Advance(std::chrono::seconds(4));
  EXPECT_FALSE(limiter.Allow("peer", &wait));
  EXPECT_EQ(wait, std::chrono::milliseconds(6'000));
  clock.Advance(std::chrono::seconds(6));
  EXPECT_TRUE(limiter.HasRoom("peer"));
}

}  // namespace
}  // namespace mamori::service
