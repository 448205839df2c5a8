// The system family against the CurrentVersion fixture
// (tests/fixtures/windows/current_version.reg) and the live Wine/Windows
// kernel. Wine's own values are compared with other APIs, never asserted.
#include <gtest/gtest.h>

#include "agent/facts/system.h"
#include "agent/facts/windows/system_parts.h"
#include "agent/facts/windows/test_support.h"

namespace mamori::facts {
namespace {

TEST(WindowsSystemTest, ReadsCurrentVersionFixtureWithJapaneseProductName) {
  if (!win::testing::FixturesLoaded())
    GTEST_FAIL() << win::testing::kFixturesMissing;
  win::CurrentVersionValues cv;
  CollectionStatus s = win::ReadCurrentVersion(&cv);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(cv.product_name, "Windows 10 Pro（日本語版）");
  EXPECT_EQ(cv.edition_id, "Professional");
  EXPECT_EQ(cv.display_version, "22H2");
  EXPECT_EQ(cv.ubr, 3693u);
  EXPECT_EQ(cv.install_date, 1700000000u);
}

TEST(WindowsSystemTest, GatherSystemUsesKernelAndFixture) {
  if (!win::testing::FixturesLoaded())
    GTEST_FAIL() << win::testing::kFixturesMissing;
  FakeClock clock(FromUnixSeconds(1800000000));
  SystemFacts f = GatherSystem(LiveContext(&clock));
  ASSERT_TRUE(f.status.ok()) << f.status.message;
  win::KernelVersion kernel;
  ASSERT_TRUE(win::ReadKernelVersion(&kernel).ok());
  EXPECT_EQ(f.os_family, OsFamily::kWindows);
  EXPECT_EQ(f.os_id, "windows");
  EXPECT_EQ(f.os_build, kernel.build);
  EXPECT_EQ(f.os_build_revision, 3693u);
  EXPECT_EQ(f.os_codename, "22H2");
  EXPECT_EQ(f.os_edition, "Professional");
  EXPECT_EQ(f.machine_id, "6f1c2a10-0000-4000-8000-00000000a11e");
  ASSERT_TRUE(f.install_time.has_value());
  EXPECT_EQ(*f.install_time, FromUnixSeconds(1700000000));
  // The name follows the kernel's build, not Wine's or the fixture's text.
  if (kernel.major == 10 && kernel.build < 22000) {
    EXPECT_EQ(f.os_name, "Windows 10 Pro");
  }
  EXPECT_FALSE(f.hostname.empty());
  EXPECT_EQ(f.architecture, "AMD64");
  ASSERT_TRUE(f.boot_time.has_value());
  EXPECT_LT(*f.boot_time, clock.Now());
}

}  // namespace
}  // namespace mamori::facts
