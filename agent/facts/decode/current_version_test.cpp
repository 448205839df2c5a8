#include "agent/facts/decode/current_version.h"

#include <gtest/gtest.h>

namespace mamori::facts::win {
namespace {

CurrentVersionValues Windows11Values() {
  CurrentVersionValues cv;
  cv.product_name = "Windows 10 Pro";  // sic: Windows 11 never changed it
  cv.edition_id = "Professional";
  cv.display_version = "23H2";
  cv.current_build = "22631";
  cv.installation_type = "Client";
  cv.ubr = 2861;
  cv.install_date = 1700000000;
  return cv;
}

TEST(CurrentVersionTest, Windows11FromBuildNotProductName) {
  SystemFacts f;
  ApplyCurrentVersion({10, 0, 22631}, Windows11Values(), &f);
  EXPECT_EQ(f.os_family, OsFamily::kWindows);
  EXPECT_EQ(f.os_id, "windows");
  EXPECT_EQ(f.os_name, "Windows 11 Pro");
  EXPECT_EQ(f.os_version, "10.0.22631");
  EXPECT_EQ(f.kernel_version, "10.0.22631");
  EXPECT_EQ(f.os_codename, "23H2");
  EXPECT_EQ(f.os_edition, "Professional");
  EXPECT_EQ(f.os_build, 22631u);
  EXPECT_EQ(f.os_build_revision, 2861u);
  EXPECT_EQ(f.install_time, FromUnixSeconds(1700000000));
}

TEST(CurrentVersionTest, OldBuildFallsBackToReleaseIdThenTable) {
  CurrentVersionValues cv;
  cv.edition_id = "Enterprise";
  cv.release_id = "1809";
  SystemFacts f;
  ApplyCurrentVersion({10, 0, 17763}, cv, &f);
  EXPECT_EQ(f.os_codename, "1809");
  EXPECT_EQ(f.os_name, "Windows 10 Enterprise");
  cv.release_id.clear();
  SystemFacts g;
  ApplyCurrentVersion({10, 0, 17763}, cv, &g);
  EXPECT_EQ(g.os_codename, "1809");  // from the build table
  EXPECT_FALSE(g.install_time.has_value());
  EXPECT_EQ(g.os_build_revision, 0u);
}

TEST(CurrentVersionTest, UnknownBuildKeepsJapaneseProductName) {
  CurrentVersionValues cv;
  cv.product_name = "Windows 10 Pro（日本語版）";
  cv.edition_id = "Professional";
  cv.installation_type = "Server";  // unknown server build → registry name
  SystemFacts f;
  ApplyCurrentVersion({10, 0, 29999}, cv, &f);
  EXPECT_EQ(f.os_name, "Windows 10 Pro（日本語版）");
  EXPECT_EQ(f.os_codename, "");
}

TEST(CurrentVersionTest, ServerEdition) {
  CurrentVersionValues cv;
  cv.edition_id = "ServerStandard";
  cv.installation_type = "Server";
  cv.display_version = "21H2";
  SystemFacts f;
  ApplyCurrentVersion({10, 0, 20348}, cv, &f);
  EXPECT_EQ(f.os_name, "Windows Server 2022 Standard");
}

TEST(CurrentVersionTest, KernelBuildMissingUsesCurrentBuild) {
  SystemFacts f;
  ApplyCurrentVersion({10, 0, 0}, Windows11Values(), &f);
  EXPECT_EQ(f.os_build, 22631u);
}

}  // namespace
}  // namespace mamori::facts::win
