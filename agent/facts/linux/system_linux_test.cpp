// The Linux `system` and `hardware` gatherers over fixture trees (--root).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "agent/facts/hardware.h"
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
  // From the tree's copy of the DMI attributes, lower-cased.
  EXPECT_EQ(f.smbios_uuid, "0c8d3f4e-5a6b-11ec-8b2a-8c8caa123456");
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
  EXPECT_EQ(f.smbios_uuid, "");  // the tree has no sys/class/dmi/id
}

// Under --root `hardware` reads only the tree's DMI copy, and says so.
TEST(GatherHardwareRoot, DmiFromTheTree) {
  const HardwareFacts f = GatherHardware(RootContext(kFixtures + "debian"));
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_NE(f.status.message.find("only SMBIOS/DMI"), std::string::npos)
      << f.status.message;
  EXPECT_EQ(f.vendor, "LENOVO");
  EXPECT_EQ(f.model, "20XW0055JP");
  EXPECT_EQ(f.serial, "PF3ABCDE");
  EXPECT_EQ(f.bios_version, "N32ET86W (1.62 )");
  EXPECT_EQ(f.chassis_type, 10u);
  // Not the running machine's.
  EXPECT_EQ(f.cpu_threads, 0u);
  EXPECT_EQ(f.memory_bytes, 0u);
  EXPECT_TRUE(f.disks.empty());
}

TEST(GatherHardwareRoot, TreeWithoutDmiIsUnsupported) {
  const HardwareFacts f = GatherHardware(RootContext(kFixtures + "rhel"));
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("sys/class/dmi/id"), std::string::npos)
      << f.status.message;
  EXPECT_EQ(f.serial, "");
  EXPECT_EQ(f.cpu_threads, 0u);
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
