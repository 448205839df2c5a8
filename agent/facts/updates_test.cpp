#include "agent/facts/updates.h"

#include <gtest/gtest.h>

namespace mamori::facts {
namespace {

TEST(IsSecuritySuite, SuffixOrLabel) {
  EXPECT_TRUE(IsSecuritySuite("stable-security", "bookworm-security",
                              "Debian-Security"));
  EXPECT_TRUE(IsSecuritySuite("oldstable-security", "", ""));
  EXPECT_TRUE(IsSecuritySuite("", "jammy-security", "Ubuntu"));
  EXPECT_TRUE(IsSecuritySuite("", "", "Debian-Security"));
  EXPECT_FALSE(IsSecuritySuite("stable", "bookworm", "Debian"));
  EXPECT_FALSE(IsSecuritySuite("stable-updates", "bookworm-updates", "Debian"));
  EXPECT_FALSE(IsSecuritySuite("security-extra", "", ""));
}

TEST(ParseDpkgLogInstalls, KeepsStatusInstalledOnly) {
  const auto e = ParseDpkgLogInstalls(
      "2024-02-01 10:00:01 status half-configured bash:amd64 5.2\n"
      "2024-02-01 10:00:02 status installed bash:amd64 5.2\n"
      "junk\n"
      "2024-02-13 99:00:00 status installed broken:amd64 1\n"
      "2024-02-14 08:30:15 status installed openssl:amd64 3.0\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].package, "bash:amd64");
  EXPECT_EQ(e[1].local_time, "2024-02-14 08:30:15");
  EXPECT_EQ(e[1].version, "3.0");
}

TEST(ParseCivilTime, ValidatesFields) {
  EXPECT_EQ(ParseCivilTime("1970-01-02 00:00:01"), FromUnixSeconds(86401));
  EXPECT_EQ(ParseCivilTime("2024-02-30 00:00:00"), std::nullopt);
  // Found by fuzz_agent_text in a dpkg.log line: a year past 2262
  // overflowed the conversion to nanoseconds.
  EXPECT_EQ(ParseCivilTime("3024-02-01 10:00:00"), std::nullopt);
  EXPECT_NE(ParseCivilTime("2199-02-01 10:00:00"), std::nullopt);
  EXPECT_EQ(ParseCivilTime("2200-02-01 10:00:00"), std::nullopt);
  EXPECT_EQ(ParseCivilTime("2024-02-01T00:00:00"), std::nullopt);
  EXPECT_EQ(ParseCivilTime("2024-02-01 24:00:00"), std::nullopt);
  EXPECT_EQ(ParseCivilTime(""), std::nullopt);
  // Beyond what a nanosecond TimePoint holds: refused, never wrapped.
  EXPECT_EQ(ParseCivilTime("9999-12-31 23:59:59"), std::nullopt);
  EXPECT_EQ(ParseCivilTime("0001-01-01 00:00:00"), std::nullopt);
}

TEST(ParseRebootRequiredPkgs, SortedUnique) {
  EXPECT_EQ(ParseRebootRequiredPkgs("libc6\n\nlinux-image\nlibc6\n"),
            (std::vector<std::string>{"libc6", "linux-image"}));
}

TEST(DecideAutomaticUpdates, NeedsSettingAndProgram) {
  EXPECT_TRUE(DecideAutomaticUpdates(std::nullopt, 1, true).enabled);
  EXPECT_EQ(
      DecideAutomaticUpdates(std::nullopt, 1, true).evidence,
      "APT::Periodic::Unattended-Upgrade=1; unattended-upgrades installed");
  EXPECT_FALSE(DecideAutomaticUpdates(std::nullopt, 1, false).enabled);
  EXPECT_FALSE(DecideAutomaticUpdates(0, 1, true).enabled);
  EXPECT_EQ(DecideAutomaticUpdates(0, 1, true).evidence,
            "APT::Periodic::Enable=0");
  EXPECT_FALSE(DecideAutomaticUpdates(std::nullopt, 0, true).enabled);
  const auto unset = DecideAutomaticUpdates(std::nullopt, std::nullopt, true);
  EXPECT_FALSE(unset.enabled);
  EXPECT_EQ(unset.evidence, "APT::Periodic::Unattended-Upgrade not set");
}

}  // namespace
}  // namespace mamori::facts
