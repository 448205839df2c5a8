// Error paths of the antivirus family where Wine lacks Security Center and
// Defender, and the Defender registry fallback from a sandbox.
#include <gtest/gtest.h>

#include "agent/facts/antivirus.h"
#include "agent/facts/decode/windows_time.h"
#include "agent/facts/windows/test_support.h"
#include "agent/facts/windows/win_error.h"

namespace mamori::facts {
namespace {

namespace t = win::testing;

TEST(WindowsAntivirusTest, WithoutSecurityCenterTheFamilyIsNotOk) {
  if (!win::RunningUnderWine())
    GTEST_SKIP() << "Wine-only: checks its missing WMI namespaces";
  FakeClock clock(FromUnixSeconds(1800000000));
  const AntivirusFacts f = GatherAntivirus(LiveContext(&clock));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_EQ(f.status.error_code, 0x8004100EL);
  EXPECT_NE(f.status.message.find("ROOT\\SecurityCenter2"), std::string::npos);
  for (const AntivirusProduct& p : f.products) {
    EXPECT_NE(p.enabled, std::optional<bool>(true)) << p.name;
  }
}

TEST(WindowsAntivirusTest, DefenderRegistryGivesDefinitionsAge) {
  if (!win::RunningUnderWine())
    GTEST_SKIP() << "needs a registry without Security Center";
  t::RegistrySandbox sandbox("av");
  ASSERT_TRUE(sandbox.ok());
  const TimePoint updated = FromUnixSeconds(1799910000);  // 25 h before "now"
  const uint64_t ticks = win::ToFiletime(updated);
  std::string bytes;
  for (int i = 0; i < 8; ++i)
    bytes.push_back(static_cast<char>(ticks >> (8 * i)));
  const char* key = "SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates";
  ASSERT_TRUE(
      t::SetBinary(HKEY_LOCAL_MACHINE, key, "SignaturesLastUpdated", bytes));
  ASSERT_TRUE(t::SetString(HKEY_LOCAL_MACHINE, key, "AVSignatureVersion",
                           "1.401.1166.0"));
  // A Server install: no Security Center expected there.
  ASSERT_TRUE(t::SetString(HKEY_LOCAL_MACHINE,
                           "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
                           "InstallationType", "Server"));
  FakeClock clock(FromUnixSeconds(1800000000));
  const AntivirusFacts f = GatherAntivirus(LiveContext(&clock));
  ASSERT_TRUE(f.status.ok()) << f.status.message;
  ASSERT_EQ(f.products.size(), 1u);
  const AntivirusProduct& p = f.products[0];
  EXPECT_EQ(p.name, "Microsoft Defender Antivirus");
  EXPECT_EQ(p.source, "registry");
  EXPECT_EQ(p.definitions_version, "1.401.1166.0");
  EXPECT_EQ(p.definitions_updated_at, updated);
  ASSERT_TRUE(p.definitions_age_hours.has_value());
  EXPECT_DOUBLE_EQ(*p.definitions_age_hours, 25.0);
  EXPECT_FALSE(p.enabled.has_value());  // not disabled by policy ≠ running
}

TEST(WindowsAntivirusTest, ServerWithNothingFoundIsNotOk) {
  if (!win::RunningUnderWine())
    GTEST_SKIP() << "needs a registry without Security Center";
  t::RegistrySandbox sandbox("av-empty");
  ASSERT_TRUE(sandbox.ok());
  ASSERT_TRUE(t::SetString(HKEY_LOCAL_MACHINE,
                           "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
                           "InstallationType", "Server"));
  const AntivirusFacts f = GatherAntivirus(LiveContext());
  EXPECT_FALSE(f.status.ok());
  EXPECT_NE(f.status.error_code, 0);
  EXPECT_TRUE(f.products.empty());
}

}  // namespace
}  // namespace mamori::facts
