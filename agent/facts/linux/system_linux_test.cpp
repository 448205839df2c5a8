// The Linux `system` gatherer over fixture trees (--root).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "agent/facts/system.h"

namespace mamori::facts {
namespace {

const std::string kFixtures = "tests/fixtures/linux/system/";

TEST(GatherSystemRoot, DebianTree) {
  const SystemFacts f = GatherSystem(RootContext(kFixtures + "debian"));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.os_family, OsFamily::kLinux);
  EXPECT_EQ(f.os_id, "debian");
  EXPECT_EQ(f.os_name, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(f.os_version, "12");
  EXPECT_EQ(f.os_codename, "bookworm");
  EXPECT_EQ(f.hostname, "pc-sato");
  EXPECT_EQ(f.fqdn, "pc-sato.example.co.jp");
  EXPECT_EQ(f.time_zone, "Asia/Tokyo");
  EXPECT_EQ(f.machine_id, "0123456789abcdef0123456789abcdef");
  // Live-kernel facts are not taken from the running machine under --root.
  EXPECT_EQ(f.kernel_version, "");
  EXPECT_FALSE(f.boot_time.has_value());
  EXPECT_EQ(f.role, EndpointRole::kUnspecified);
}

TEST(GatherSystemRoot, RhelTreeWithUsrLibOsRelease) {
  const SystemFacts f = GatherSystem(RootContext(kFixtures + "rhel"));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.os_id, "rhel");
  EXPECT_EQ(f.os_like, "fedora");
  EXPECT_EQ(f.os_version, "9.3");
  EXPECT_EQ(f.hostname, "srv-01.corp.example");
  EXPECT_EQ(f.time_zone, "Europe/Berlin");
  EXPECT_EQ(f.machine_id, "fedcba9876543210fedcba9876543210");
}

TEST(GatherSystemRoot, EmptyTreeIsUnsupported) {
  const std::string empty = ::testing::TempDir() + "/empty-system-root";
  ::mkdir(empty.c_str(), 0755);
  const SystemFacts f = GatherSystem(RootContext(empty));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("os-release"), std::string::npos)
      << f.status.message;
  EXPECT_EQ(f.os_id, "");
}

}  // namespace
}  // namespace mamori::facts
