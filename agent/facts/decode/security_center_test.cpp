#include "agent/facts/decode/security_center.h"

#include <gtest/gtest.h>

namespace mamori::facts::win {
namespace {

// Values as reported by real machines (Defender and third-party products).
TEST(ProductStateTest, DefenderOnAndUpToDate) {
  const DecodedProductState s = DecodeProductState(397568);  // 0x061100
  EXPECT_EQ(s.state, WscProductState::kOn);
  EXPECT_EQ(s.enabled, true);
  EXPECT_EQ(s.definitions_up_to_date, true);
  EXPECT_TRUE(s.windows_owned);
  EXPECT_EQ(s.provider_flags, 0x06u);  // antivirus | antispyware
}

TEST(ProductStateTest, DefenderOnButOutOfDate) {
  const DecodedProductState s = DecodeProductState(397584);  // 0x061110
  EXPECT_EQ(s.enabled, true);
  EXPECT_EQ(s.definitions_up_to_date, false);
}

TEST(ProductStateTest, DefenderOffWhenThirdPartyTakesOver) {
  const DecodedProductState s = DecodeProductState(393472);  // 0x060100
  EXPECT_EQ(s.state, WscProductState::kOff);
  EXPECT_EQ(s.enabled, false);
  EXPECT_TRUE(s.windows_owned);
}

TEST(ProductStateTest, ThirdPartyOn) {
  const DecodedProductState s = DecodeProductState(266240);  // 0x041000
  EXPECT_EQ(s.enabled, true);
  EXPECT_FALSE(s.windows_owned);
  EXPECT_EQ(s.definitions_up_to_date, true);
  EXPECT_EQ(s.provider_flags, 0x04u);
}

TEST(ProductStateTest, SnoozedAndExpiredAreNotEnabled) {
  EXPECT_EQ(DecodeProductState(0x042000).state, WscProductState::kSnoozed);
  EXPECT_EQ(DecodeProductState(0x042000).enabled, false);
  EXPECT_EQ(DecodeProductState(0x043000).state, WscProductState::kExpired);
  EXPECT_EQ(DecodeProductState(0x043000).enabled, false);
}

TEST(ProductStateTest, UnknownNibblesStayUnknown) {
  const DecodedProductState s = DecodeProductState(0x04F0F0);
  EXPECT_EQ(s.state, WscProductState::kUnknown);
  EXPECT_FALSE(s.enabled.has_value());
  EXPECT_FALSE(s.definitions_up_to_date.has_value());
  EXPECT_EQ(WscProductStateName(s.state), "unknown");
}

TEST(SignatureAgeTest, HoursBetweenUpdateAndNow) {
  const TimePoint updated = FromUnixSeconds(1700000000);
  EXPECT_DOUBLE_EQ(SignatureAgeHours(updated, updated + std::chrono::hours(30)),
                   30.0);
  EXPECT_DOUBLE_EQ(
      SignatureAgeHours(updated, updated + std::chrono::minutes(90)), 1.5);
  EXPECT_DOUBLE_EQ(SignatureAgeHours(updated, updated - std::chrono::hours(2)),
                   -2.0);
}

}  // namespace
}  // namespace mamori::facts::win
