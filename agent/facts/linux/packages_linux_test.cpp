// The Linux `packages` gatherer over fixture trees (--root).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "agent/facts/packages.h"

namespace mamori::facts {
namespace {

const std::string kFixtures = "tests/fixtures/linux/packages/";

TEST(GatherPackagesRoot, DebianTreeWithInstallTimes) {
  const PackageFacts f = GatherPackages(RootContext(kFixtures + "debian"));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  ASSERT_EQ(f.packages.size(), 5u);
  // bash.list, libc6:amd64.list, libc6:i386.list and vim.list exist; the
  // non-ASCII package has none.
  EXPECT_TRUE(f.packages[0].install_time.has_value());
  EXPECT_TRUE(f.packages[1].install_time.has_value());
  EXPECT_TRUE(f.packages[2].install_time.has_value());
  EXPECT_TRUE(f.packages[3].install_time.has_value());
  EXPECT_FALSE(f.packages[4].install_time.has_value());
  EXPECT_EQ(f.content_sha256.size(), 64u);
  EXPECT_EQ(f.content_sha256.find_first_not_of("0123456789abcdef"),
            std::string::npos);
}

TEST(GatherPackagesRoot, RpmTreeIsUnsupportedAndSaysWhy) {
  const PackageFacts f = GatherPackages(RootContext(kFixtures + "rhel"));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("rpm"), std::string::npos);
  EXPECT_TRUE(f.packages.empty());
  EXPECT_EQ(f.content_sha256, "");
}

TEST(GatherPackagesRoot, EmptyTreeIsUnsupported) {
  const std::string empty = ::testing::TempDir() + "/empty-packages-root";
  ::mkdir(empty.c_str(), 0755);
  const PackageFacts f = GatherPackages(RootContext(empty));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("dpkg/status"), std::string::npos);
}

}  // namespace
}  // namespace mamori::facts
