// Sanity checks of the Linux gatherers on the real machine, compared with
// what the OS's own tools print. Label: integration (spawns processes).
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "agent/facts/accounts.h"
#include "agent/facts/hardware.h"
#include "agent/facts/network.h"
#include "agent/facts/packages.h"
#include "agent/facts/system.h"
#include "agent/facts/updates.h"
#include "common/text.h"

namespace mamori::facts {
namespace {

// Returns the trimmed stdout of `command`.
std::string Shell(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return std::string(Trim(out));
}

TEST(LiveSystem, MatchesUnameAndOsRelease) {
  const SystemFacts f = GatherSystem(LiveContext());
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.kernel_version, Shell("uname -r"));
  EXPECT_EQ(f.architecture, Shell("uname -m"));
  EXPECT_EQ(f.hostname, Shell("uname -n"));
  EXPECT_EQ(f.os_id, Shell(". /etc/os-release && echo \"$ID\""));
  EXPECT_EQ(f.os_version, Shell(". /etc/os-release && echo \"$VERSION_ID\""));
  EXPECT_EQ(f.os_codename,
            Shell(". /etc/os-release && echo \"$VERSION_CODENAME\""));
  ASSERT_TRUE(f.boot_time.has_value());
  EXPECT_GT(ToUnixSeconds(*f.boot_time), 1000000000);
  EXPECT_EQ(f.machine_id.empty(),
            Shell("cat /etc/machine-id 2>/dev/null").empty());
}

TEST(LivePackages, CountMatchesDpkgQuery) {
  if (Shell("command -v dpkg-query").empty())
    GTEST_SKIP() << "not a dpkg system";
  const PackageFacts f = GatherPackages(LiveContext());
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  // Installed packages as dpkg itself counts them (config-files and
  // half-installed entries are not installed software).
  const std::string installed = Shell(
      "dpkg-query -W -f='${db:Status-Status}\\n' | grep -c '^installed$'");
  EXPECT_EQ(std::to_string(f.packages.size()), installed);
  EXPECT_EQ(f.content_sha256.size(), 64u);
}

TEST(LiveUpdates, CountsMatchAptListUpgradable) {
  if (Shell("command -v apt").empty()) GTEST_SKIP() << "not an apt system";
  const UpdateFacts f = GatherUpdates(LiveContext());
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  // Both read the same lists; run apt right after so nothing changes between.
  const std::string total =
      Shell("apt list --upgradable 2>/dev/null | grep -c upgradable");
  const std::string security = Shell(
      "apt list --upgradable 2>/dev/null | grep upgradable | grep -c -- "
      "'-security[ ,]'");
  EXPECT_EQ(std::to_string(f.pending_count), total);
  EXPECT_EQ(std::to_string(f.security_pending_count), security);
  EXPECT_EQ(f.pending.size(), f.pending_count);
}

// The same with a state directory: the cold collection computes and stores,
// the warm one reuses the stored answer; both match apt.
TEST(LiveUpdates, ColdAndWarmCacheMatchAptListUpgradable) {
  if (Shell("command -v apt").empty()) GTEST_SKIP() << "not an apt system";
  const std::string state = ::testing::TempDir() + "/live-updates-state";
  Shell("rm -rf '" + state + "' && mkdir -p '" + state + "'");
  GatherContext ctx = LiveContext();
  ctx.state_dir = state;
  const UpdateFacts cold = GatherUpdates(ctx);
  const UpdateFacts warm = GatherUpdates(ctx);
  const std::string total =
      Shell("apt list --upgradable 2>/dev/null | grep -c upgradable");
  const std::string security = Shell(
      "apt list --upgradable 2>/dev/null | grep upgradable | grep -c -- "
      "'-security[ ,]'");
  Shell("rm -rf '" + state + "'");
  ASSERT_EQ(cold.status.state, CollectionState::kOk) << cold.status.message;
  ASSERT_EQ(warm.status.state, CollectionState::kOk) << warm.status.message;
  EXPECT_EQ(cold.pending_source, PendingSource::kComputed);
  EXPECT_EQ(warm.pending_source, PendingSource::kCached);
  for (const UpdateFacts* f : {&cold, &warm}) {
    EXPECT_EQ(std::to_string(f->pending_count), total);
    EXPECT_EQ(std::to_string(f->security_pending_count), security);
    EXPECT_EQ(f->pending.size(), f->pending_count);
  }
}

TEST(LiveNetwork, InterfacesMatchSysClassNet) {
  const NetworkFacts f = GatherNetwork(LiveContext());
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  std::string names;
  for (const NetworkInterface& nic : f.interfaces) names += nic.name + " ";
  EXPECT_EQ(Trim(names), Shell("ls /sys/class/net | sort | tr '\\n' ' '"));
  for (const NetworkInterface& nic : f.interfaces) {
    EXPECT_NE(nic.kind, InterfaceKind::kUnspecified) << nic.name;
    if (nic.name == "lo") {
      EXPECT_EQ(nic.kind, InterfaceKind::kLoopback);
    }
  }
}

TEST(LiveHardware, CpuAndMemoryMatchTheOs) {
  const HardwareFacts f = GatherHardware(LiveContext());
  // No DMI in containers: unsupported, but CPU and memory are still read.
  EXPECT_NE(f.status.state, CollectionState::kError) << f.status.message;
  EXPECT_EQ(std::to_string(f.cpu_threads), Shell("getconf _NPROCESSORS_CONF"));
  EXPECT_EQ(std::to_string(f.memory_bytes),
            Shell("free -b | awk '/^Mem:/ {print $2}'"));
  if (Shell("test -d /sys/class/dmi/id && echo yes").empty()) {
    EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
    EXPECT_EQ(f.vendor, "");
  }
}

TEST(LiveAccounts, CountMatchesPasswd) {
  const AccountFacts f = GatherAccounts(LiveContext());
  ASSERT_NE(f.status.state, CollectionState::kUnsupported) << f.status.message;
  EXPECT_EQ(std::to_string(f.accounts.size()),
            Shell("grep -c '^[^#+-]' /etc/passwd"));
  const std::string root_json = Shell("getent passwd root | cut -d: -f1");
  bool found_root = false;
  for (const Account& a : f.accounts) {
    if (a.name == root_json) found_root = a.admin && a.id == "0";
  }
  EXPECT_TRUE(found_root);
}

// As an unprivileged user /etc/shadow is unreadable: the accounts are still
// listed, and the family says permission denied instead of claiming "not
// locked".
TEST(LiveAccounts, UnprivilegedUserGetsPermissionDenied) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop to nobody";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 ||
        ::setuid(65534) != 0) {
      ::_exit(3);
    }
    const AccountFacts f = GatherAccounts(LiveContext());
    const bool ok = f.status.state == CollectionState::kPermissionDenied &&
                    !f.accounts.empty();
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace mamori::facts
