// crypttab/fstab trees under tests/fixtures/linux/disk_encryption/, read with
// --root.
#include <gtest/gtest.h>

#include "agent/facts/disk_encryption.h"

namespace mamori::facts {
namespace {

DiskEncryptionFacts Read(const std::string& tree) {
  return GatherDiskEncryption(
      RootContext("tests/fixtures/linux/disk_encryption/" + tree));
}

TEST(DiskEncryptionFixtures, LuksRootFromCrypttab) {
  const DiskEncryptionFacts f = Read("luks_root");
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  const EncryptedVolume* root = nullptr;
  const EncryptedVolume* home = nullptr;
  const EncryptedVolume* swap = nullptr;
  for (const EncryptedVolume& v : f.volumes) {
    if (v.mount_point == "/") root = &v;
    if (v.mount_point == "/home data") home = &v;
    if (v.device == "/dev/mapper/swap_crypt") swap = &v;
  }
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->state, EncryptionState::kEncrypted);
  EXPECT_EQ(root->technology, "luks");
  EXPECT_TRUE(root->system_volume);
  ASSERT_NE(home, nullptr);
  EXPECT_EQ(home->state, EncryptionState::kUnspecified);  // unknown, not "no"
  ASSERT_NE(swap, nullptr);
  EXPECT_EQ(swap->technology, "dm-crypt");
  for (const EncryptedVolume& v : f.volumes) EXPECT_NE(v.mount_point, "/tmp");
}

TEST(DiskEncryptionFixtures, PlainFstabIsNotClaimedEncrypted) {
  const DiskEncryptionFacts f = Read("plain");
  ASSERT_EQ(f.volumes.size(), 2u);
  for (const EncryptedVolume& v : f.volumes) {
    EXPECT_EQ(v.state, EncryptionState::kUnspecified);
    EXPECT_TRUE(v.system_volume);
  }
}

TEST(DiskEncryptionFixtures, NoFilesIsUnsupported) {
  EXPECT_EQ(Read("empty").status.state, CollectionState::kUnsupported);
}

}  // namespace
}  // namespace mamori::facts
