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

TEST(DecideAutomaticUpdates, NeedsSettingProgramAndTimer) {
  constexpr AptUpgradeTimer kOn = AptUpgradeTimer::kEnabled;
  EXPECT_EQ(DecideAutomaticUpdates(std::nullopt, 1, true, kOn).enabled, true);
  EXPECT_EQ(DecideAutomaticUpdates(std::nullopt, 1, true, kOn).evidence,
            "APT::Periodic::Unattended-Upgrade=1; unattended-upgrades "
            "installed; apt-daily-upgrade.timer enabled");
  EXPECT_EQ(DecideAutomaticUpdates(std::nullopt, 1, false, kOn).enabled, false);
  EXPECT_EQ(DecideAutomaticUpdates(0, 1, true, kOn).enabled, false);
  EXPECT_EQ(DecideAutomaticUpdates(0, 1, true, kOn).evidence,
            "APT::Periodic::Enable=0");
  EXPECT_EQ(DecideAutomaticUpdates(std::nullopt, 0, true, kOn).enabled, false);
  const auto unset =
      DecideAutomaticUpdates(std::nullopt, std::nullopt, true, kOn);
  EXPECT_EQ(unset.enabled, false);
  EXPECT_EQ(unset.evidence, "APT::Periodic::Unattended-Upgrade not set");
}

// The settings alone are a proxy: unattended-upgrade runs only when its
// timer does.
TEST(DecideAutomaticUpdates, ATimerThatNeverRunsIsNotAutomatic) {
  const auto disabled =
      DecideAutomaticUpdates(1, 1, true, AptUpgradeTimer::kDisabled);
  EXPECT_EQ(disabled.enabled, false);
  EXPECT_NE(disabled.evidence.find("apt-daily-upgrade.timer not enabled"),
            std::string::npos);
  const auto masked =
      DecideAutomaticUpdates(1, 1, true, AptUpgradeTimer::kMasked);
  EXPECT_EQ(masked.enabled, false);
  EXPECT_NE(masked.evidence.find("masked"), std::string::npos);
  // No timer unit at all: something else may run it, or nothing: unknown.
  const auto unseen =
      DecideAutomaticUpdates(1, 1, true, AptUpgradeTimer::kNotInstalled);
  EXPECT_FALSE(unseen.enabled.has_value());
  EXPECT_NE(unseen.evidence.find("not known"), std::string::npos);
  // Settings that turn it off decide whatever the timer does.
  EXPECT_EQ(DecideAutomaticUpdates(1, 0, true, AptUpgradeTimer::kNotInstalled)
                .enabled,
            false);
}

}  // namespace
}  // namespace mamori::facts
