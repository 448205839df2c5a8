#include "agent/facts/decode/windows_time.h"

#include <gtest/gtest.h>

#include <string>

namespace mamori::facts::win {
namespace {

TEST(FiletimeTest, UnixEpochAndKnownInstant) {
  EXPECT_EQ(FromFiletime(kFiletimeUnixEpoch), FromUnixSeconds(0));
  // 2023-11-14T22:13:20Z = 1700000000 s.
  const uint64_t ticks = kFiletimeUnixEpoch + 1700000000ULL * 10000000ULL;
  EXPECT_EQ(FromFiletime(ticks), FromUnixSeconds(1700000000));
  EXPECT_EQ(ToFiletime(FromUnixSeconds(1700000000)), ticks);
}

TEST(FiletimeTest, ZeroMeansNotSet) {
  EXPECT_FALSE(FromFiletime(0).has_value());
  // Found by fuzz_windows_decode: a date past 2262 overflowed.
  EXPECT_FALSE(ParseYyyymmdd("26001001").has_value());
  EXPECT_FALSE(ParseCimDatetime("99991231235959.000000+540").ok());
  EXPECT_TRUE(ParseYyyymmdd("22000101").has_value());
  // Any 64 bits can come from the registry; found by fuzz_windows_decode
  // (signed overflow converting to nanoseconds).
  EXPECT_FALSE(FromFiletime(6685492799224474025ULL).has_value());
  EXPECT_FALSE(FromFiletime(UINT64_MAX).has_value());
  // 2200-01-01 is still a time.
  EXPECT_EQ(FromFiletime(kFiletimeUnixEpoch + 7258118400ULL * 10'000'000),
            FromUnixSeconds(7258118400));
}

TEST(FiletimeTest, SubSecondTicksSurvive) {
  const uint64_t ticks =
      kFiletimeUnixEpoch + 1700000000ULL * 10000000ULL + 1234;
  EXPECT_EQ(ToFiletime(*FromFiletime(ticks)), ticks);
}

TEST(FiletimeTest, FromLittleEndianBytes) {
  // 0x01DA1748_5A0F2000 little-endian.
  const uint64_t ticks = 0x01DA17485A0F2000ULL;
  std::string bytes;
  for (int i = 0; i < 8; ++i)
    bytes.push_back(static_cast<char>(ticks >> (8 * i)));
  auto parsed = FiletimeFromBytes(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, FromFiletime(ticks));
}

TEST(FiletimeTest, WrongLengthIsAnError) {
  auto parsed = FiletimeFromBytes(std::string(7, '\x01'));
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("8 bytes"), std::string::npos);
  auto zero = FiletimeFromBytes(std::string(8, '\0'));
  ASSERT_TRUE(zero.ok());
  EXPECT_FALSE(zero->has_value());
}

TEST(CimDatetimeTest, TokyoOffsetConvertsToUtc) {
  // 2023-11-15 07:13:20 +09:00 = 2023-11-14T22:13:20Z.
  auto t = ParseCimDatetime("20231115071320.000000+540");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t, FromUnixSeconds(1700000000));
}

TEST(CimDatetimeTest, NegativeOffsetAndMicroseconds) {
  auto t = ParseCimDatetime("20231114172000.250000-300");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  // 17:20 at UTC-5 is 22:20Z; plus 0.25 s.
  EXPECT_EQ(*t, FromUnixSeconds(1700000400) + std::chrono::milliseconds(250));
}

TEST(CimDatetimeTest, RejectsMalformed) {
  for (const char* bad :
       {"", "2023", "20231115071320+540", "20231115071320.000000*540",
        "2023111507132x.000000+540", "20231315071320.000000+540",
        "20230230071320.000000+000", "20231115251320.000000+000",
        "********071320.000000+540"}) {
    EXPECT_FALSE(ParseCimDatetime(bad).ok()) << bad;
  }
}

TEST(YyyymmddTest, ParsesDatesAndRejectsOthers) {
  EXPECT_EQ(ParseYyyymmdd("20240115"), FromUnixSeconds(1705276800));
  EXPECT_EQ(ParseYyyymmdd(" 20240115 "), FromUnixSeconds(1705276800));
  EXPECT_FALSE(ParseYyyymmdd("15/01/2024").has_value());
  EXPECT_FALSE(ParseYyyymmdd("20241301").has_value());
  EXPECT_FALSE(ParseYyyymmdd("2024011").has_value());
  EXPECT_FALSE(ParseYyyymmdd("00000000").has_value());
}

}  // namespace
}  // namespace mamori::facts::win
