// Fixture trees under tests/fixtures/linux/usb_storage/ read with --root.
#include <gtest/gtest.h>

#include "agent/facts/usb_storage.h"

namespace mamori::facts {
namespace {

UsbStorageFacts Read(const std::string& tree) {
  return GatherUsbStorage(
      RootContext("tests/fixtures/linux/usb_storage/" + tree));
}

const PolicyEvidence* Decisive(const UsbStorageFacts& f) {
  const PolicyEvidence* found = nullptr;
  for (const PolicyEvidence& e : f.evidence) {
    if (e.decisive) {
      EXPECT_EQ(found, nullptr) << "two decisive entries";
      found = &e;
    }
  }
  return found;
}

TEST(UsbStorageFixtures, Blacklist) {
  const UsbStorageFacts f = Read("blacklist");
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.effective_policy, UsbStoragePolicy::kBlocked);
  const PolicyEvidence* d = Decisive(f);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->source, "/etc/modprobe.d/usb-storage.conf:2");
  EXPECT_EQ(d->setting, "blacklist usb-storage (autoload only)");
}

TEST(UsbStorageFixtures, InstallBinFalse) {
  const UsbStorageFacts f = Read("install_false");
  EXPECT_EQ(f.effective_policy, UsbStoragePolicy::kBlocked);
  ASSERT_NE(Decisive(f), nullptr);
  EXPECT_EQ(Decisive(f)->setting, "install usb-storage /bin/false");
  EXPECT_EQ(f.evidence.size(), 1u);  // the options line is not evidence
}

TEST(UsbStorageFixtures, UsbguardImplicitBlockWithListedStick) {
  const UsbStorageFacts f = Read("usbguard_block");
  EXPECT_EQ(f.effective_policy, UsbStoragePolicy::kBlocked);
  ASSERT_NE(Decisive(f), nullptr);
  EXPECT_EQ(Decisive(f)->setting, "ImplicitPolicyTarget=block");
  bool listed = false;
  for (const PolicyEvidence& e : f.evidence) {
    if (e.source == "/etc/usbguard/rules.conf:4") listed = true;
  }
  EXPECT_TRUE(listed);  // the allowed "Ultra Fit" stick is shown
}

TEST(UsbStorageFixtures, UsbguardNotEnabledDoesNotCount) {
  const UsbStorageFacts f = Read("usbguard_allow_storage");
  EXPECT_EQ(f.effective_policy, UsbStoragePolicy::kAllowed);
}

TEST(UsbStorageFixtures, Nothing) {
  const UsbStorageFacts f = Read("nothing");
  EXPECT_EQ(f.status.state, CollectionState::kOk);
  EXPECT_EQ(f.effective_policy, UsbStoragePolicy::kAllowed);
  ASSERT_NE(Decisive(f), nullptr);
  EXPECT_EQ(Decisive(f)->setting, "no setting restricts USB storage");
}

TEST(UsbStorageFixtures, UdevReadOnly) {
  const UsbStorageFacts f = Read("udev_readonly");
  EXPECT_EQ(f.effective_policy, UsbStoragePolicy::kReadOnly);
  EXPECT_EQ(Decisive(f)->source, "/etc/udev/rules.d/80-usb-readonly.rules:2");
}

TEST(UsbStorageFixtures, EtcFileHidesTheSameNameUnderLib) {
  const UsbStorageFacts f = Read("etc_hides_lib");
  EXPECT_EQ(f.effective_policy, UsbStoragePolicy::kAllowed);
  for (const PolicyEvidence& e : f.evidence) {
    EXPECT_EQ(e.source.find("/lib/modprobe.d"), std::string::npos) << e.source;
  }
}

}  // namespace
}  // namespace mamori::facts
