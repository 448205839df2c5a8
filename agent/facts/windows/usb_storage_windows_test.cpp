// The usb_storage family against real registry reads: every combination of
// the machine settings written into a RegOverridePredefKey sandbox, per-user
// hives under HKU, and the usb_policy.reg fixture in the prefix's own HKLM.
#include <gtest/gtest.h>

#include "agent/facts/usb_storage.h"
#include "agent/facts/windows/test_support.h"

namespace mamori::facts {
namespace {

using P = UsbStoragePolicy;
namespace t = win::testing;

constexpr char kUsbstor[] = "SYSTEM\\CurrentControlSet\\Services\\USBSTOR";
constexpr char kPolicy[] =
    "SOFTWARE\\Policies\\Microsoft\\Windows\\RemovableStorageDevices";
constexpr char kDisk[] =
    "SOFTWARE\\Policies\\Microsoft\\Windows\\RemovableStorageDevices\\"
    "{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}";

const PolicyEvidence* DecisiveOf(const UsbStorageFacts& f) {
  for (const PolicyEvidence& e : f.evidence) {
    if (e.decisive) return &e;
  }
  return nullptr;
}

TEST(WindowsUsbStorageTest, EveryMachineCombinationFromTheRegistry) {
  const int start_values[] = {-1, 3, 4};
  const int flag_values[] = {-1, 0, 1};
  int cases = 0;
  for (int start : start_values) {
    for (int deny_all : flag_values) {
      for (int deny_read : flag_values) {
        for (int deny_write : flag_values) {
          t::RegistrySandbox sandbox("usb");
          ASSERT_TRUE(sandbox.ok());
          if (start >= 0) {
            ASSERT_TRUE(
                t::SetDword(HKEY_LOCAL_MACHINE, kUsbstor, "Start", start));
          }
          if (deny_all >= 0) {
            ASSERT_TRUE(
                t::SetDword(HKEY_LOCAL_MACHINE, kPolicy, "Deny_All", deny_all));
          }
          if (deny_read >= 0) {
            ASSERT_TRUE(
                t::SetDword(HKEY_LOCAL_MACHINE, kDisk, "Deny_Read", deny_read));
          }
          if (deny_write >= 0) {
            ASSERT_TRUE(t::SetDword(HKEY_LOCAL_MACHINE, kDisk, "Deny_Write",
                                    deny_write));
          }
          const bool blocked = start == 4 || deny_all == 1 ||
                               (deny_read == 1 && deny_write == 1);
          const P expected = blocked           ? P::kBlocked
                             : deny_write == 1 ? P::kReadOnly
                                               : P::kAllowed;
          const std::string label = "start=" + std::to_string(start) +
                                    " deny_all=" + std::to_string(deny_all) +
                                    " read=" + std::to_string(deny_read) +
                                    " write=" + std::to_string(deny_write);
          const UsbStorageFacts f = GatherUsbStorage(LiveContext());
          ASSERT_TRUE(f.status.ok()) << label << ": " << f.status.message;
          EXPECT_EQ(f.effective_policy, expected) << label;
          const PolicyEvidence* decisive = DecisiveOf(f);
          ASSERT_NE(decisive, nullptr) << label;
          EXPECT_EQ(decisive->effect, expected) << label;
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 81);
}

TEST(WindowsUsbStorageTest, StartFourNamesTheServiceKey) {
  t::RegistrySandbox sandbox("usb-start4");
  ASSERT_TRUE(sandbox.ok());
  ASSERT_TRUE(t::SetDword(HKEY_LOCAL_MACHINE, kUsbstor, "Start", 4));
  const UsbStorageFacts f = GatherUsbStorage(LiveContext());
  EXPECT_EQ(f.effective_policy, P::kBlocked);
  ASSERT_NE(DecisiveOf(f), nullptr);
  EXPECT_EQ(DecisiveOf(f)->source,
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\USBSTOR\\Start");
  EXPECT_EQ(DecisiveOf(f)->setting, "4 (driver disabled)");
}

TEST(WindowsUsbStorageTest, PerUserHivesUnderHku) {
  t::RegistrySandbox sandbox("usb-users");
  ASSERT_TRUE(sandbox.ok());
  const std::string a = "S-1-5-21-100-200-300-1001\\";
  const std::string b = "S-1-5-21-100-200-300-1002\\";
  ASSERT_TRUE(t::SetDword(HKEY_USERS, a + kPolicy, "Deny_All", 1));
  ASSERT_TRUE(t::SetDword(HKEY_USERS, b + kDisk, "Deny_Write", 1));
  // The _Classes twin of a hive is not a user.
  ASSERT_TRUE(
      t::SetDword(HKEY_USERS, "S-1-5-21-100-200-300-1002_Classes\\x", "y", 1));
  UsbStorageFacts f = GatherUsbStorage(LiveContext());
  ASSERT_TRUE(f.status.ok()) << f.status.message;
  EXPECT_EQ(f.effective_policy, P::kReadOnly);
  ASSERT_NE(DecisiveOf(f), nullptr);
  EXPECT_EQ(DecisiveOf(f)->source.rfind("HKU\\S-1-5-21-100-200-300-1002\\", 0),
            0u);

  // A third user without the policy: nobody-wide restriction is gone.
  ASSERT_TRUE(t::SetDword(HKEY_USERS, "S-1-5-21-100-200-300-1003\\Software\\x",
                          "y", 1));
  f = GatherUsbStorage(LiveContext());
  EXPECT_EQ(f.effective_policy, P::kAllowed);
}

TEST(WindowsUsbStorageTest, CurrentUserWhenNoHiveIsListed) {
  t::RegistrySandbox sandbox("usb-hkcu");
  ASSERT_TRUE(sandbox.ok());
  ASSERT_TRUE(t::SetDword(HKEY_CURRENT_USER, kPolicy, "Deny_All", 1));
  const UsbStorageFacts f = GatherUsbStorage(LiveContext());
  EXPECT_EQ(f.effective_policy, P::kBlocked);
  ASSERT_NE(DecisiveOf(f), nullptr);
  EXPECT_EQ(DecisiveOf(f)->source,
            "HKCU\\SOFTWARE\\Policies\\Microsoft\\Windows\\"
            "RemovableStorageDevices\\Deny_All");
}

TEST(WindowsUsbStorageTest, WrongValueTypeIsAnErrorNotAVerdict) {
  t::RegistrySandbox sandbox("usb-type");
  ASSERT_TRUE(sandbox.ok());
  ASSERT_TRUE(t::SetString(HKEY_LOCAL_MACHINE, kUsbstor, "Start", "4"));
  const UsbStorageFacts f = GatherUsbStorage(LiveContext());
  EXPECT_EQ(f.status.state, CollectionState::kError);
  EXPECT_EQ(f.effective_policy, P::kUnspecified);
  EXPECT_NE(f.status.message.find("Start is REG_SZ"), std::string::npos);
}

TEST(WindowsUsbStorageTest, FixtureInPrefixIsReadOnly) {
  if (!t::FixturesLoaded()) GTEST_FAIL() << t::kFixturesMissing;
  const UsbStorageFacts f = GatherUsbStorage(LiveContext());
  ASSERT_TRUE(f.status.ok()) << f.status.message;
  EXPECT_EQ(f.effective_policy, P::kReadOnly);
  ASSERT_NE(DecisiveOf(f), nullptr);
  EXPECT_EQ(DecisiveOf(f)->setting, "Deny_Write=1");
}

}  // namespace
}  // namespace mamori::facts
