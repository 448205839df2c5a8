#include "agent/facts/update_runs.h"

#include <gtest/gtest.h>

namespace mamori::facts {
namespace {

TEST(IsCompleteAptCommandline, WholeSystemUpgradesOnly) {
  EXPECT_TRUE(IsCompleteAptCommandline("apt-get -qqy upgrade"));
  EXPECT_TRUE(IsCompleteAptCommandline("apt full-upgrade"));
  EXPECT_TRUE(IsCompleteAptCommandline("/usr/bin/apt-get -y dist-upgrade"));
  EXPECT_TRUE(IsCompleteAptCommandline("aptitude safe-upgrade"));
  EXPECT_TRUE(IsCompleteAptCommandline(
      "apt-get -o Dpkg::Options::=--force-confold -t bookworm-security -y "
      "dist-upgrade"));
  EXPECT_TRUE(IsCompleteAptCommandline("/usr/bin/unattended-upgrade"));
  // One package, or an install that happens to upgrade something.
  EXPECT_FALSE(IsCompleteAptCommandline("apt-get install -y tzdata"));
  EXPECT_FALSE(IsCompleteAptCommandline("apt-get install --only-upgrade curl"));
  EXPECT_FALSE(IsCompleteAptCommandline("apt upgrade openssl"));
  EXPECT_FALSE(IsCompleteAptCommandline("apt-get -s upgrade"));
  EXPECT_FALSE(IsCompleteAptCommandline("apt-get --download-only upgrade"));
  // A value option must not hide the subcommand: "-t upgrade" is a release.
  EXPECT_FALSE(IsCompleteAptCommandline("apt-get -t upgrade install foo"));
  EXPECT_FALSE(IsCompleteAptCommandline("dpkg -i upgrade.deb"));
  EXPECT_FALSE(IsCompleteAptCommandline("myapt-getter upgrade x"));
  EXPECT_FALSE(IsCompleteAptCommandline(""));
  EXPECT_FALSE(IsCompleteAptCommandline("apt-get -o"));
}

constexpr char kHistory[] =
    "\n"
    "Start-Date: 2025-06-24  14:36:25\n"
    "Commandline: apt-get -qqy upgrade\n"
    "Upgrade: libsystemd0:amd64 (252.36-1~deb12u1, 252.38-1~deb12u1)\n"
    "End-Date: 2025-06-24  14:36:27\n"
    "\n"
    "Start-Date: 2026-05-09  07:28:46\n"
    "Commandline: apt-get install -y tzdata\n"
    "Upgrade: tzdata:amd64 (2025b-0+deb12u1, 2025b-0+deb12u2)\n"
    "End-Date: 2026-05-09  07:28:50\n";

TEST(LastCompleteAptRun, AnInstallIsNotAnUpgradeRun) {
  const std::optional<CompleteRun> run = LastCompleteAptRun(kHistory);
  ASSERT_TRUE(run.has_value());
  // The later tzdata install (the false pass of issue #13) does not count.
  EXPECT_EQ(run->local_time, "2025-06-24 14:36:27");
  EXPECT_EQ(run->evidence, "apt-get -qqy upgrade");
}

TEST(LastCompleteAptRun, FailedCrashedAndMalformedRunsDoNotCount) {
  EXPECT_FALSE(LastCompleteAptRun(
      "Start-Date: 2026-01-01  10:00:00\n"
      "Commandline: apt-get -y dist-upgrade\n"
      "Error: Sub-process /usr/bin/dpkg returned an error code (1)\n"
      "End-Date: 2026-01-01  10:01:00\n"));
  // No End-Date: apt died (or still runs); the next entry starts.
  EXPECT_FALSE(
      LastCompleteAptRun("Start-Date: 2026-01-01  10:00:00\n"
                         "Commandline: apt-get -y dist-upgrade\n"
                         "Start-Date: 2026-01-02  10:00:00\n"
                         "Commandline: apt-get install vim\n"
                         "End-Date: 2026-01-02  10:00:05\n"));
  EXPECT_FALSE(
      LastCompleteAptRun("Start-Date: 2026-01-01  10:00:00\n"
                         "Commandline: apt-get -y upgrade\n"
                         "End-Date: 2026-02-30  10:00:00\n"));
  EXPECT_FALSE(
      LastCompleteAptRun("Commandline: apt-get -y upgrade\n"
                         "End-Date: 2026-01-01  10:00:00\n"));
  EXPECT_FALSE(
      LastCompleteAptRun("Start-Date: 9999-12-31  10:00:00\n"
                         "Commandline: apt-get -y upgrade\n"
                         "End-Date: 9999-12-31  10:00:05\n"));
  EXPECT_FALSE(LastCompleteAptRun(""));
  EXPECT_FALSE(LastCompleteAptRun(std::string(1 << 20, '\0')));
}

TEST(LastCompleteAptRun, HostileLinesAreSkipped) {
  std::string log =
      "Start-Date: 2026-01-01  10:00:00\n"
      "Commandline: apt-get -y upgrade \x1b[2K\r\xff\xfe\n"
      "End-Date: 2026-01-01  10:00:05\n"
      "Start-Date: 2026-03-01  10:00:00\n"
      "Commandline: apt-get -y upgrade\n" +
      std::string(200 << 10, 'A') +
      "\n"
      "End-Date: 2026-03-01  10:00:05\n";
  // The first entry's command line carries junk after the subcommand (a
  // positional word): not complete. The second holds an oversized line.
  EXPECT_FALSE(LastCompleteAptRun(log));
  const std::optional<CompleteRun> run = LastCompleteAptRun(
      "Start-Date: 2026-01-01  10:00:00\n"
      "Commandline: apt-get -y upgrade\n"
      "End-Date: 2026-01-01  10:00:05\n"
      "Start-Date: 2025-01-01  10:00:00\n"
      "Commandline: apt-get -y upgrade\n"
      "End-Date: 2025-01-01  10:00:05\n");
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->local_time, "2026-01-01 10:00:05");  // newest, not last
}

constexpr char kUnattended[] =
    "2026-12-01 06:25:07,123 INFO Starting unattended upgrades script\n"
    "2026-12-01 06:25:07,124 INFO Allowed origins are: "
    "origin=Debian,codename=bookworm,label=Debian-Security, "
    "origin=Debian,codename=bookworm-security,label=Debian-Security\n"
    "2026-12-01 06:25:09,500 INFO Packages that will be upgraded: openssl\n"
    "2026-12-01 06:25:20,000 INFO All upgrades installed\n"
    "2026-12-02 06:25:07,123 INFO Starting unattended upgrades script\n"
    "2026-12-02 06:25:07,124 INFO Allowed origins are: "
    "origin=Debian,codename=bookworm,label=Debian-Security\n"
    "2026-12-02 06:25:09,500 INFO Packages that will be upgraded: libc6\n"
    "2026-12-02 06:25:19,000 ERROR Installing the upgrades failed!\n"
    "2026-12-03 06:25:07,123 INFO Starting unattended upgrades script\n"
    "2026-12-03 06:25:07,124 INFO Allowed origins are: "
    "origin=Debian,codename=bookworm,label=Debian\n"
    "2026-12-03 06:25:10,000 INFO No packages found that can be upgraded "
    "unattended and no pending auto-removals\n";

TEST(LastCompleteUnattendedRun, OnlyFinishedRunsWithASecurityOrigin) {
  const std::optional<CompleteRun> run = LastCompleteUnattendedRun(kUnattended);
  ASSERT_TRUE(run.has_value());
  // 12-02 failed; 12-03 allowed no security origin.
  EXPECT_EQ(run->local_time, "2026-12-01 06:25:20");
  EXPECT_EQ(run->evidence, "unattended-upgrades");
}

TEST(LastCompleteUnattendedRun, KeptBackOrManualIsIncomplete) {
  EXPECT_FALSE(LastCompleteUnattendedRun(
      "2026-12-01 06:25:07,123 INFO Starting unattended upgrades script\n"
      "2026-12-01 06:25:07,124 INFO Allowed origins are: "
      "origin=Debian,label=Debian-Security\n"
      "2026-12-01 06:25:08,000 WARNING Package grub-pc has conffile prompt "
      "and needs to be upgraded manually\n"
      "2026-12-01 06:25:20,000 INFO All upgrades installed\n"));
  EXPECT_FALSE(LastCompleteUnattendedRun(
      "2026-12-01 06:25:07,123 INFO Starting unattended upgrades script\n"
      "2026-12-01 06:25:07,124 INFO Allowed origins are: "
      "origin=Debian,label=Debian-Security\n"
      "2026-12-01 06:25:08,000 INFO Package linux-image-amd64 is kept back "
      "because a related package is kept back\n"
      "2026-12-01 06:25:20,000 INFO All upgrades installed\n"));
  // A run that never started, and garbage.
  EXPECT_FALSE(LastCompleteUnattendedRun(
      "2026-12-01 06:25:20,000 INFO All upgrades installed\n"));
  EXPECT_FALSE(LastCompleteUnattendedRun("\x1b]0;x\a\n\xff\n,,,,\n"));
  EXPECT_FALSE(LastCompleteUnattendedRun(
      "2026-13-01 06:25:07,123 INFO Starting unattended upgrades script\n"
      "2026-13-01 06:25:20,000 INFO All upgrades installed\n"));
}

TEST(IsCompleteDnfCommandline, WholeSystemOrSecurityUpgrades) {
  EXPECT_TRUE(IsCompleteDnfCommandline("upgrade"));
  EXPECT_TRUE(IsCompleteDnfCommandline("-y update"));
  EXPECT_TRUE(IsCompleteDnfCommandline("upgrade -y --security"));
  EXPECT_TRUE(IsCompleteDnfCommandline("upgrade-minimal --security"));
  EXPECT_TRUE(IsCompleteDnfCommandline("--setopt install_weak_deps=0 upgrade"));
  EXPECT_TRUE(IsCompleteDnfCommandline("distro-sync -y"));
  EXPECT_FALSE(IsCompleteDnfCommandline("upgrade openssl"));
  EXPECT_FALSE(IsCompleteDnfCommandline("install -y vim"));
  EXPECT_FALSE(IsCompleteDnfCommandline("upgrade --advisory=RHSA-2026:1"));
  EXPECT_FALSE(IsCompleteDnfCommandline("upgrade -x kernel*"));
  EXPECT_FALSE(IsCompleteDnfCommandline("upgrade --downloadonly"));
  EXPECT_FALSE(IsCompleteDnfCommandline(""));
}

TEST(LastCompleteDnfRun, NewestFinishedTransaction) {
  const std::vector<DnfTransaction> history = {
      {1, 1'700'000'000, 1, "upgrade -y"},
      {2, 1'750'000'000, 1, "install vim"},
      {3, 1'760'000'000, 2, "upgrade -y"},  // ERROR
      {4, 0, 1, "upgrade"},                 // unfinished
      {5, 1'720'000'000, 1, "-y update --security"},
  };
  const std::optional<DnfTransaction> run = LastCompleteDnfRun(history);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->id, 5);
  EXPECT_FALSE(LastCompleteDnfRun({}));
  EXPECT_FALSE(LastCompleteDnfRun({{1, -5, 1, "upgrade"}}));
}

}  // namespace
}  // namespace mamori::facts
