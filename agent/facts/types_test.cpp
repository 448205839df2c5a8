#include "agent/facts/types.h"

#include <gtest/gtest.h>

namespace mamori::facts {
namespace {

TEST(FormatRfc3339, WholeSecondsHaveNoFraction) {
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(1795424400)), "2026-11-23T09:00:00Z");
}

TEST(FormatRfc3339, FractionUsesThreeSixOrNineDigits) {
  const TimePoint base = FromUnixSeconds(1795424400);
  EXPECT_EQ(FormatRfc3339(base + std::chrono::milliseconds(120)),
            "2026-11-23T09:00:00.120Z");
  EXPECT_EQ(FormatRfc3339(base + std::chrono::microseconds(5)),
            "2026-11-23T09:00:00.000005Z");
  EXPECT_EQ(FormatRfc3339(base + std::chrono::nanoseconds(7)),
            "2026-11-23T09:00:00.000000007Z");
}

TEST(FormatRfc3339, BeforeEpochAndLeapDay) {
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(-1)), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(951782400)), "2000-02-29T00:00:00Z");
}

TEST(StatusFromError, MapsCodesToStates) {
  EXPECT_EQ(StatusFromError(PermissionDeniedError("/etc/shadow: denied")).state,
            CollectionState::kPermissionDenied);
  EXPECT_EQ(StatusFromError(NotFoundError("/x: missing")).state,
            CollectionState::kUnsupported);
  const CollectionStatus err = StatusFromError(InternalError("/y: EIO"));
  EXPECT_EQ(err.state, CollectionState::kError);
  EXPECT_EQ(err.message, "/y: EIO");
  EXPECT_TRUE(StatusFromError(Status::Ok()).ok());
}

TEST(GatherContext, RootContextResolvesPathsAndDropsLiveKernel) {
  const GatherContext root = RootContext("/mnt/img/");
  EXPECT_EQ(root.Path("/etc/passwd"), "/mnt/img/etc/passwd");
  EXPECT_FALSE(root.live_kernel);
  const GatherContext live = LiveContext();
  EXPECT_EQ(live.Path("/etc/passwd"), "/etc/passwd");
  EXPECT_TRUE(live.live_kernel);
}

TEST(EnumName, CollectionStateNames) {
  EXPECT_EQ(EnumName(CollectionState::kOk), "STATUS_OK");
  EXPECT_EQ(EnumName(static_cast<CollectionState>(99)), "");
}

}  // namespace
}  // namespace mamori::facts
