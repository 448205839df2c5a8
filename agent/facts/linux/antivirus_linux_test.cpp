// Fixture trees under tests/fixtures/linux/antivirus/: real 512-byte .cvd/.cld
// headers with fixed build times, read through GatherAntivirus with --root
// and a fake clock.
#include <gtest/gtest.h>

#include "agent/facts/antivirus.h"

namespace mamori::facts {
namespace {

constexpr char kFixtures[] = "tests/fixtures/linux/antivirus/";
// daily.cld in "fresh" was built 2026-11-20 10:00 UTC; "old" 2026-10-21 12:00.
const TimePoint kFreshBuild = FromUnixSeconds(1795168800);
const TimePoint kOldBuild = FromUnixSeconds(1792584000);

const AntivirusProduct* Find(const AntivirusFacts& f, std::string_view name) {
  for (const AntivirusProduct& p : f.products) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

TEST(AntivirusFixtures, FreshClamavDatabases) {
  FakeClock clock(kFreshBuild + std::chrono::hours(2));
  const AntivirusFacts f =
      GatherAntivirus(RootContext(std::string(kFixtures) + "fresh", &clock));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  const AntivirusProduct* clam = Find(f, "ClamAV");
  ASSERT_NE(clam, nullptr);
  EXPECT_EQ(clam->definitions_updated_at, kFreshBuild);  // newest of three
  ASSERT_TRUE(clam->definitions_age_hours.has_value());
  EXPECT_DOUBLE_EQ(*clam->definitions_age_hours, 2.0);
  EXPECT_EQ(clam->definitions_version, "daily:27460 main:62 bytecode:335");
  EXPECT_EQ(clam->engine_version, "1.0.7+dfsg-1~deb12u1");
  EXPECT_EQ(clam->updater_configured, true);  // conf + enabled service
  EXPECT_FALSE(clam->enabled.has_value());    // no processes under --root
  EXPECT_EQ(clam->source, "clamav:/var/lib/clamav");
}

TEST(AntivirusFixtures, ThirtyDayOldDefinitionsAndExampleConf) {
  FakeClock clock(kOldBuild + std::chrono::hours(24 * 30));
  const AntivirusFacts f =
      GatherAntivirus(RootContext(std::string(kFixtures) + "old", &clock));
  ASSERT_EQ(f.status.state, CollectionState::kOk);
  const AntivirusProduct* clam = Find(f, "ClamAV");
  ASSERT_NE(clam, nullptr);
  EXPECT_DOUBLE_EQ(*clam->definitions_age_hours, 720.0);
  EXPECT_EQ(clam->updater_configured, false);  // "Example" still active
  EXPECT_EQ(clam->engine_version, "");         // no dpkg status in the tree
}

TEST(AntivirusFixtures, CorruptHeaderIsAnErrorNamingTheFile) {
  FakeClock clock(kFreshBuild);
  const AntivirusFacts f =
      GatherAntivirus(RootContext(std::string(kFixtures) + "corrupt", &clock));
  EXPECT_EQ(f.status.state, CollectionState::kError);
  EXPECT_NE(f.status.message.find("daily.cvd"), std::string::npos);
  ASSERT_EQ(f.products.size(), 1u);
  EXPECT_FALSE(f.products[0].definitions_age_hours.has_value());
}

TEST(AntivirusFixtures, VendorsAreNamedWithAgeUnset) {
  FakeClock clock(kFreshBuild);
  const AntivirusFacts f =
      GatherAntivirus(RootContext(std::string(kFixtures) + "vendors", &clock));
  ASSERT_EQ(f.status.state, CollectionState::kOk);
  ASSERT_EQ(f.products.size(), 2u);
  const AntivirusProduct* ds = Find(f, "Trend Micro Deep Security Agent");
  ASSERT_NE(ds, nullptr);
  EXPECT_FALSE(ds->definitions_age_hours.has_value());
  EXPECT_FALSE(ds->enabled.has_value());
  EXPECT_EQ(ds->source, "path:/opt/ds_agent");
  EXPECT_NE(Find(f, "Microsoft Defender for Endpoint"), nullptr);
}

TEST(AntivirusFixtures, NothingInstalledIsOkWithNoProducts) {
  FakeClock clock(kFreshBuild);
  const AntivirusFacts f =
      GatherAntivirus(RootContext(std::string(kFixtures) + "none", &clock));
  EXPECT_EQ(f.status.state, CollectionState::kOk);
  EXPECT_TRUE(f.products.empty());
}

}  // namespace
}  // namespace mamori::facts
