#include "agent/facts/decode/usb_policy.h"

#include <gtest/gtest.h>

#include <string>

namespace mamori::facts::win {
namespace {

using P = UsbStoragePolicy;

std::vector<const PolicyEvidence*> Decisive(const WindowsUsbDecision& d) {
  std::vector<const PolicyEvidence*> out;
  for (const PolicyEvidence& e : d.evidence) {
    if (e.decisive) out.push_back(&e);
  }
  return out;
}

TEST(WindowsUsbPolicyTest, NothingSetIsAllowedWithStatedReason) {
  const WindowsUsbDecision d = DecideWindowsUsbPolicy({});
  EXPECT_EQ(d.effective, P::kAllowed);
  ASSERT_EQ(d.evidence.size(), 1u);
  EXPECT_EQ(d.evidence[0].setting, "no restricting setting");
  EXPECT_TRUE(d.evidence[0].decisive);
}

TEST(WindowsUsbPolicyTest, UsbstorStartFourBlocks) {
  WindowsUsbSettings s;
  s.usbstor_start = 4;
  const WindowsUsbDecision d = DecideWindowsUsbPolicy(s);
  EXPECT_EQ(d.effective, P::kBlocked);
  ASSERT_EQ(Decisive(d).size(), 1u);
  EXPECT_EQ(Decisive(d)[0]->source,
            "HKLM\\SYSTEM\\CurrentControlSet\\Services\\USBSTOR\\Start");
  EXPECT_EQ(Decisive(d)[0]->setting, "4 (driver disabled)");
}

TEST(WindowsUsbPolicyTest, DenyWriteOnRemovableDisksIsReadOnly) {
  WindowsUsbSettings s;
  s.usbstor_start = 3;
  s.machine.disk_deny_write = 1;
  const WindowsUsbDecision d = DecideWindowsUsbPolicy(s);
  EXPECT_EQ(d.effective, P::kReadOnly);
  ASSERT_EQ(d.evidence.size(), 2u);
  EXPECT_FALSE(d.evidence[0].decisive);  // Start=3 allows, but is outranked.
  EXPECT_TRUE(d.evidence[1].decisive);
  EXPECT_EQ(d.evidence[1].source,
            "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\"
            "RemovableStorageDevices\\{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}");
  EXPECT_EQ(d.evidence[1].setting, "Deny_Write=1");
}

TEST(WindowsUsbPolicyTest, DenyReadAloneStillLetsDataOut) {
  WindowsUsbSettings s;
  s.machine.disk_deny_read = 1;
  const WindowsUsbDecision d = DecideWindowsUsbPolicy(s);
  EXPECT_EQ(d.effective, P::kAllowed);
  EXPECT_EQ(d.evidence[0].setting, "Deny_Read=1 (writes still allowed)");
}

TEST(WindowsUsbPolicyTest, StartFourOutranksEverythingAndIsDecisive) {
  WindowsUsbSettings s;
  s.usbstor_start = 4;
  s.machine.deny_all = 1;
  s.machine.disk_deny_write = 1;
  const WindowsUsbDecision d = DecideWindowsUsbPolicy(s);
  EXPECT_EQ(d.effective, P::kBlocked);
  ASSERT_EQ(Decisive(d).size(), 1u);
  EXPECT_EQ(&d.evidence[0], Decisive(d)[0]);
}

TEST(WindowsUsbPolicyTest, WriteProtectIsReadOnly) {
  WindowsUsbSettings s;
  s.write_protect = 1;
  EXPECT_EQ(DecideWindowsUsbPolicy(s).effective, P::kReadOnly);
  s.write_protect = 0;
  EXPECT_EQ(DecideWindowsUsbPolicy(s).effective, P::kAllowed);
}

// Every machine-wide combination of the four main settings. The expected
// value restates the documented rule independently of the implementation.
TEST(WindowsUsbPolicyTest, EveryMachineCombination) {
  const std::optional<uint32_t> start_values[] = {std::nullopt, 3u, 4u};
  const std::optional<uint32_t> flag_values[] = {std::nullopt, 0u, 1u};
  int cases = 0;
  for (auto start : start_values) {
    for (auto deny_all : flag_values) {
      for (auto deny_read : flag_values) {
        for (auto deny_write : flag_values) {
          WindowsUsbSettings s;
          s.usbstor_start = start;
          s.machine.deny_all = deny_all;
          s.machine.disk_deny_read = deny_read;
          s.machine.disk_deny_write = deny_write;
          const bool blocked = start == 4u || deny_all == 1u ||
                               (deny_read == 1u && deny_write == 1u);
          const P expected = blocked            ? P::kBlocked
                             : deny_write == 1u ? P::kReadOnly
                                                : P::kAllowed;
          const WindowsUsbDecision d = DecideWindowsUsbPolicy(s);
          const std::string label =
              "start=" + (start ? std::to_string(*start) : "-") +
              " deny_all=" + (deny_all ? std::to_string(*deny_all) : "-") +
              " read=" + (deny_read ? std::to_string(*deny_read) : "-") +
              " write=" + (deny_write ? std::to_string(*deny_write) : "-");
          EXPECT_EQ(d.effective, expected) << label;
          const auto decisive = Decisive(d);
          ASSERT_EQ(decisive.size(), 1u) << label;
          EXPECT_EQ(decisive[0]->effect, expected) << label;
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 81);
}

TEST(WindowsUsbPolicyTest, UserPolicyCountsOnlyWhenEveryUserHasIt) {
  WindowsUsbSettings s;
  s.users.push_back({"HKU\\S-1-5-21-1-2-3-1001", 1u, {}, {}});
  s.users.push_back({"HKU\\S-1-5-21-1-2-3-1002", {}, {}, 1u});
  WindowsUsbDecision d = DecideWindowsUsbPolicy(s);
  // One user blocked, the other read-only: read-only holds for everyone.
  EXPECT_EQ(d.effective, P::kReadOnly);
  ASSERT_EQ(Decisive(d).size(), 1u);
  EXPECT_EQ(Decisive(d)[0]->source.rfind("HKU\\S-1-5-21-1-2-3-1002", 0), 0u);

  s.users.push_back({"HKU\\S-1-5-21-1-2-3-1003", {}, {}, {}});
  d = DecideWindowsUsbPolicy(s);
  EXPECT_EQ(d.effective, P::kAllowed);  // A user without policy.
}

TEST(WindowsUsbPolicyTest, AllUsersBlockedMarksEachUser) {
  WindowsUsbSettings s;
  s.usbstor_start = 3;
  s.users.push_back({"HKCU", 1u, {}, {}});
  s.users.push_back({"HKU\\S-1-5-21-9", {}, 1u, 1u});
  const WindowsUsbDecision d = DecideWindowsUsbPolicy(s);
  EXPECT_EQ(d.effective, P::kBlocked);
  EXPECT_EQ(Decisive(d).size(), 2u);
  EXPECT_FALSE(d.evidence[0].decisive);
}

TEST(WindowsUsbPolicyTest, MachineBlockBeatsLaxUser) {
  WindowsUsbSettings s;
  s.machine.deny_all = 1;
  s.users.push_back({"HKCU", 0u, {}, {}});
  const WindowsUsbDecision d = DecideWindowsUsbPolicy(s);
  EXPECT_EQ(d.effective, P::kBlocked);
  ASSERT_EQ(Decisive(d).size(), 1u);
  EXPECT_EQ(Decisive(d)[0]->source,
            "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\"
            "RemovableStorageDevices\\Deny_All");
}

}  // namespace
}  // namespace mamori::facts::win
