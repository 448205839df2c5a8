// packages from the uninstall.reg fixture (both registry views, Japanese
// names, hidden entries), and the live families whose values come from Wine
// itself: checked against a second API, never against Wine's fake strings.
#include <gtest/gtest.h>

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
#include <iphlpapi.h>
// clang-format on
// objbase.h defines `interface` as `struct`; our structs have fields of
// that name.
#undef interface

#include <algorithm>

#include "agent/facts/accounts.h"
#include "agent/facts/hardware.h"
#include "agent/facts/network.h"
#include "agent/facts/packages.h"
#include "agent/facts/windows/test_support.h"

namespace mamori::facts {
namespace {

const Package* Find(const PackageFacts& f, const std::string& name) {
  for (const Package& p : f.packages) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

TEST(WindowsPackagesTest, BothViewsWithJapaneseNames) {
  if (!win::testing::FixturesLoaded())
    GTEST_FAIL() << win::testing::kFixturesMissing;
  const PackageFacts f = GatherPackages(LiveContext());
  ASSERT_TRUE(f.status.ok()) << f.status.message;
  const Package* zip = Find(f, "7-Zip 23.01 (x64)");
  ASSERT_NE(zip, nullptr);
  EXPECT_EQ(zip->architecture, "x64");
  EXPECT_EQ(zip->version, "23.01");
  EXPECT_EQ(zip->publisher, "Igor Pavlov");
  EXPECT_EQ(zip->scope, "machine");
  EXPECT_EQ(zip->source, PackageSource::kWindowsUninstall);
  EXPECT_EQ(zip->install_time, FromUnixSeconds(1705276800));  // 2024-01-15

  const Package* yayoi = Find(f, "弥生会計 24");
  ASSERT_NE(yayoi, nullptr);
  EXPECT_EQ(yayoi->architecture, "x86");
  EXPECT_EQ(yayoi->publisher, "弥生株式会社");
  EXPECT_EQ(yayoi->version, "30.1.2");

  // Hidden like Programs and Features hides them.
  EXPECT_EQ(Find(f, "Hidden runtime component"), nullptr);
  EXPECT_EQ(Find(f, "弥生会計 24 更新プログラム"), nullptr);
  for (const Package& p : f.packages) EXPECT_FALSE(p.name.empty());
  EXPECT_EQ(f.content_sha256.size(), 64u);
}

TEST(WindowsPackagesTest, HashFollowsTheList) {
  if (!win::testing::FixturesLoaded())
    GTEST_FAIL() << win::testing::kFixturesMissing;
  const PackageFacts before = GatherPackages(LiveContext());
  EXPECT_EQ(GatherPackages(LiveContext()).content_sha256,
            before.content_sha256);
  win::testing::RegistrySandbox sandbox("packages");
  ASSERT_TRUE(sandbox.ok());
  ASSERT_TRUE(win::testing::SetString(
      HKEY_LOCAL_MACHINE,
      "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\X",
      "DisplayName", "一太郎"));
  const PackageFacts sandboxed = GatherPackages(LiveContext());
  ASSERT_TRUE(sandboxed.status.ok()) << sandboxed.status.message;
  // A sandbox key has no WOW6432Node redirection, so both views may show
  // the same entry; what matters is that only the sandbox is read.
  ASSERT_FALSE(sandboxed.packages.empty());
  for (const Package& p : sandboxed.packages) EXPECT_EQ(p.name, "一太郎");
  EXPECT_NE(sandboxed.content_sha256, before.content_sha256);
}

TEST(WindowsNetworkTest, InterfacesMatchGetIfTable) {
  const NetworkFacts f = GatherNetwork(LiveContext());
  ASSERT_TRUE(f.status.ok()) << f.status.message;
  ULONG count = 0;
  ASSERT_EQ(GetNumberOfInterfaces(&count), NO_ERROR);
  EXPECT_EQ(f.interfaces.size(), count);
  for (const NetworkInterface& n : f.interfaces) {
    EXPECT_FALSE(n.name.empty());
    for (const std::string& a : n.ipv4)
      EXPECT_NE(a.find('/'), std::string::npos) << a;
  }
}

TEST(WindowsAccountsTest, AdministratorsFoundBySid) {
  const AccountFacts f = GatherAccounts(LiveContext());
  if (!f.status.ok()) {
    // Whatever failed must say which API and carry its code.
    EXPECT_NE(f.status.error_code, 0) << f.status.message;
    return;
  }
  uint32_t admins = 0;
  for (const Account& a : f.accounts) {
    EXPECT_EQ(a.id.rfind("S-1-5-", 0), 0u) << a.name << " " << a.id;
    if (a.admin) {
      ++admins;
      EXPECT_EQ(a.admin_via, std::vector<std::string>{"group:S-1-5-32-544"});
    }
  }
  EXPECT_EQ(f.admin_count, admins);
}

TEST(WindowsHardwareTest, MemoryAgreesWithGlobalMemoryStatus) {
  const HardwareFacts f = GatherHardware(LiveContext());
  ASSERT_TRUE(f.status.ok()) << f.status.message;
  MEMORYSTATUSEX memory{};
  memory.dwLength = sizeof memory;
  ASSERT_TRUE(GlobalMemoryStatusEx(&memory));
  EXPECT_GE(f.memory_bytes, memory.ullTotalPhys / 2);
  EXPECT_GT(f.cpu_threads, 0u);
  EXPECT_GE(f.cpu_threads, f.cpu_cores);
}

}  // namespace
}  // namespace mamori::facts
