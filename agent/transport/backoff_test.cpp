#include "agent/transport/backoff.h"

#include <gtest/gtest.h>

namespace mamori::transport {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, GrowsExponentiallyWithinJitterBoundsAndCaps) {
  double u = 0.0;
  Backoff b(milliseconds(100), milliseconds(1000), [&u] { return u; });
  // Lowest draw: half of each ceiling.
  EXPECT_EQ(b.Next(), milliseconds(50));
  EXPECT_EQ(b.Next(), milliseconds(100));
  EXPECT_EQ(b.Next(), milliseconds(200));
  u = 0.999999;
  EXPECT_EQ(b.Next(), milliseconds(799));
  EXPECT_LE(b.Next(), milliseconds(1000));
  for (int i = 0; i < 100; ++i) EXPECT_LE(b.Next(), milliseconds(1000));
  b.Reset();
  u = 0.0;
  EXPECT_EQ(b.Next(), milliseconds(50));
}

TEST(BackoffTest, RetryAfterIsALowerBoundButStillCapped) {
  Backoff b(milliseconds(100), milliseconds(5000), [] { return 0.0; });
  EXPECT_EQ(b.Next(milliseconds(1500)), milliseconds(1500));
  EXPECT_EQ(b.Next(milliseconds(60000)), milliseconds(5000));
}

TEST(BackoffTest, DefaultRandomStaysInBounds) {
  Backoff b(milliseconds(10), milliseconds(80));
  for (int i = 0; i < 50; ++i) {
    auto d = b.Next();
    EXPECT_GE(d, milliseconds(5));
    EXPECT_LE(d, milliseconds(80));
  }
}

TEST(JitterTest, SpreadsAroundTheInterval) {
  EXPECT_EQ(Jittered(milliseconds(1000), 0.1, [] { return 0.0; }),
            milliseconds(900));
  EXPECT_EQ(Jittered(milliseconds(1000), 0.1, [] { return 0.5; }),
            milliseconds(1000));
  EXPECT_EQ(Jittered(milliseconds(1000), 0.0, [] { return 0.9; }),
            milliseconds(1000));
  EXPECT_GE(Jittered(milliseconds(1), 0.5, [] { return 0.0; }),
            milliseconds(1));
}

}  // namespace
}  // namespace mamori::transport
