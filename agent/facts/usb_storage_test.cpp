#include "agent/facts/usb_storage.h"

#include <gtest/gtest.h>

namespace mamori::facts {
namespace {

TEST(ParseModprobeConf, RatesBlacklistAndInstallLines) {
  const std::vector<PolicyEvidence> e = ParseModprobeConf(
      "# blacklist usb-storage\n"
      "blacklist usb-storage\n"
      "install usb_storage /bin/false\n"
      "install usb-storage /bin/true\n"
      "install usb-storage /sbin/modprobe --ignore-install usb-storage\n"
      "options usb-storage quirks=1:2:u\n"
      "blacklist uas\n"
      "install usb-storage \\\n  /usr/bin/false\n",
      "/etc/modprobe.d/x.conf");
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].source, "/etc/modprobe.d/x.conf:2");
  EXPECT_EQ(e[0].effect, UsbStoragePolicy::kBlocked);
  EXPECT_NE(e[0].setting.find("autoload only"), std::string::npos);
  EXPECT_EQ(e[1].effect, UsbStoragePolicy::kBlocked);
  EXPECT_EQ(e[2].effect, UsbStoragePolicy::kBlocked);
  EXPECT_EQ(e[3].effect, UsbStoragePolicy::kAllowed);
  EXPECT_EQ(e[4].source, "/etc/modprobe.d/x.conf:8");
  EXPECT_EQ(e[4].effect, UsbStoragePolicy::kBlocked);
}

TEST(UsbguardImplicitTarget, DefaultsToBlock) {
  std::string file, folder;
  EXPECT_EQ(UsbguardImplicitTarget("", &file, &folder), "block");
  EXPECT_EQ(UsbguardImplicitTarget(
                "RuleFile=/x/rules.conf\nRuleFolder=/x/rules.d\n"
                "ImplicitPolicyTarget=allow\n# ImplicitPolicyTarget=block\n",
                &file, &folder),
            "allow");
  EXPECT_EQ(file, "/x/rules.conf");
  EXPECT_EQ(folder, "/x/rules.d");
}

TEST(EvaluateUsbguard, ListedDevicesDoNotAllowUnknownSticks) {
  const std::string rules =
      "allow id 0781:5583 serial \"4C53\" with-interface 08:06:50\n"
      "allow with-interface equals { 03:*:* }\n";
  UsbguardVerdict v = EvaluateUsbguard(rules, {"r:1", "r:2"}, "block", "conf");
  EXPECT_EQ(v.effect, UsbStoragePolicy::kBlocked);
  ASSERT_EQ(v.evidence.size(), 2u);
  EXPECT_EQ(v.evidence[0].source, "r:1");
  EXPECT_NE(v.evidence[0].setting.find("listed device only"),
            std::string::npos);
  EXPECT_EQ(v.evidence[v.deciding].setting, "ImplicitPolicyTarget=block");
}

TEST(EvaluateUsbguard, FirstGenericStorageRuleDecides) {
  UsbguardVerdict allow = EvaluateUsbguard(
      "allow with-interface equals { 08:*:* }\nblock\n", {}, "block", "c");
  EXPECT_EQ(allow.effect, UsbStoragePolicy::kAllowed);
  UsbguardVerdict block = EvaluateUsbguard(
      "reject with-interface one-of { 08:*:* }\nallow\n", {}, "allow", "c");
  EXPECT_EQ(block.effect, UsbStoragePolicy::kBlocked);
  UsbguardVerdict implicit_allow = EvaluateUsbguard("", {}, "allow", "c");
  EXPECT_EQ(implicit_allow.effect, UsbStoragePolicy::kAllowed);
  UsbguardVerdict catch_all =
      EvaluateUsbguard("allow id *:*\n", {}, "block", "c");
  EXPECT_EQ(catch_all.effect, UsbStoragePolicy::kAllowed);
}

TEST(ParseUdevRules, FindsDeauthorizeAndReadOnlyRules) {
  const std::vector<PolicyEvidence> e = ParseUdevRules(
      "ACTION==\"add\", SUBSYSTEMS==\"usb\", ATTR{authorized}=\"0\"\n"
      "SUBSYSTEM==\"block\", ATTRS{removable}==\"1\", \\\n"
      "  RUN+=\"/sbin/blockdev --setro %N\"\n"
      "SUBSYSTEM==\"net\", ATTR{authorized}=\"0\"\n"
      "# SUBSYSTEMS==\"usb\", ATTR{authorized}=\"0\"\n",
      "/etc/udev/rules.d/90.rules");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].effect, UsbStoragePolicy::kBlocked);
  EXPECT_EQ(e[0].source, "/etc/udev/rules.d/90.rules:1");
  EXPECT_EQ(e[1].effect, UsbStoragePolicy::kReadOnly);
  EXPECT_EQ(e[1].source, "/etc/udev/rules.d/90.rules:2");
}

PolicyEvidence Ev(UsbStoragePolicy effect, std::string source) {
  PolicyEvidence e;
  e.effect = effect;
  e.source = std::move(source);
  e.setting = "s";
  return e;
}

int DecisiveCount(const UsbStorageFacts& f) {
  int n = 0;
  for (const PolicyEvidence& e : f.evidence) n += e.decisive ? 1 : 0;
  return n;
}

TEST(DecideUsbPolicy, NothingConfiguredIsAllowedWithDecisiveEvidence) {
  UsbPolicyInputs in;
  in.module_loaded = false;
  UsbStorageFacts f = DecideUsbPolicy(in);
  EXPECT_EQ(f.effective_policy, UsbStoragePolicy::kAllowed);
  EXPECT_EQ(DecisiveCount(f), 1);
  EXPECT_EQ(f.status.state, CollectionState::kOk);
}

TEST(DecideUsbPolicy, ModprobeBlockDecidesUnlessTheModuleIsLoaded) {
  UsbPolicyInputs in;
  in.modprobe.push_back(Ev(UsbStoragePolicy::kBlocked, "modprobe"));
  in.module_loaded = false;
  UsbStorageFacts blocked = DecideUsbPolicy(in);
  EXPECT_EQ(blocked.effective_policy, UsbStoragePolicy::kBlocked);
  EXPECT_TRUE(blocked.evidence[0].decisive);

  in.module_loaded = true;
  UsbStorageFacts loaded = DecideUsbPolicy(in);
  EXPECT_EQ(loaded.effective_policy, UsbStoragePolicy::kAllowed);
  EXPECT_FALSE(loaded.evidence[0].decisive);
  EXPECT_EQ(loaded.evidence.back().source, "/sys/module/usb_storage");
  EXPECT_TRUE(loaded.evidence.back().decisive);

  in.module_loaded.reset();
  in.module_builtin = true;
  EXPECT_EQ(DecideUsbPolicy(in).effective_policy, UsbStoragePolicy::kAllowed);
}

TEST(DecideUsbPolicy, UsbguardCountsOnlyWhenActive) {
  UsbPolicyInputs in;
  in.usbguard = EvaluateUsbguard("", {}, "block", "conf");
  in.usbguard_active = false;
  EXPECT_EQ(DecideUsbPolicy(in).effective_policy, UsbStoragePolicy::kAllowed);
  in.usbguard_active = true;
  UsbStorageFacts f = DecideUsbPolicy(in);
  EXPECT_EQ(f.effective_policy, UsbStoragePolicy::kBlocked);
  EXPECT_TRUE(f.evidence[0].decisive);
}

TEST(DecideUsbPolicy, MostRestrictiveWinsAndReadOnlyBeatsAllowed) {
  UsbPolicyInputs in;
  in.authorized_default.push_back(Ev(UsbStoragePolicy::kAllowed, "auth"));
  in.udev.push_back(Ev(UsbStoragePolicy::kReadOnly, "udev"));
  UsbStorageFacts ro = DecideUsbPolicy(in);
  EXPECT_EQ(ro.effective_policy, UsbStoragePolicy::kReadOnly);
  EXPECT_EQ(DecisiveCount(ro), 1);
  in.authorized_default.push_back(Ev(UsbStoragePolicy::kBlocked, "auth0"));
  UsbStorageFacts b = DecideUsbPolicy(in);
  EXPECT_EQ(b.effective_policy, UsbStoragePolicy::kBlocked);
  EXPECT_EQ(DecisiveCount(b), 1);
  EXPECT_TRUE(b.evidence[1].decisive);
}

TEST(UsbStoragePolicyName, MatchesTheProto) {
  EXPECT_EQ(EnumName(UsbStoragePolicy::kReadOnly),
            "USB_STORAGE_POLICY_READ_ONLY");
}

}  // namespace
}  // namespace mamori::facts
