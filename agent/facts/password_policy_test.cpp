#include "agent/facts/password_policy.h"

#include <gtest/gtest.h>

namespace mamori::facts {
namespace {

PasswordPolicySources WithPam(std::string password_stack,
                              std::string auth_stack) {
  PasswordPolicySources src;
  src.login_defs =
      std::string("PASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nPASS_MIN_LEN 4\n");
  std::vector<PamInclude> includes;
  for (PamLine& l :
       ParsePamFile(password_stack, "/etc/pam.d/common-password", &includes)) {
    src.pam.push_back(std::move(l));
  }
  for (PamLine& l :
       ParsePamFile(auth_stack, "/etc/pam.d/common-auth", &includes)) {
    src.pam.push_back(std::move(l));
  }
  src.pam_found = true;
  src.shadow = std::string("root:*:1:0:99999:7:::\n");
  return src;
}

TEST(ParsePamFile, ParsesControlsModulesArgsAndIncludes) {
  std::vector<PamInclude> includes;
  const std::vector<PamLine> lines = ParsePamFile(
      "# comment\n"
      "password [success=1 default=ignore] /lib/security/pam_unix.so obscure "
      "sha512\n"
      "-password optional pam_gnome_keyring.so\n"
      "session required pam_limits.so\n"
      "@include common-auth\n"
      "auth include system-auth\n"
      "password requisite pam_pwquality.so retry=3 minlen=12\n",
      "/etc/pam.d/x", &includes);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].control, "[success=1 default=ignore]");
  EXPECT_EQ(lines[0].module, "pam_unix");
  EXPECT_EQ(lines[0].args.count("sha512"), 1u);
  EXPECT_EQ(lines[0].source, "/etc/pam.d/x:2");
  EXPECT_EQ(lines[1].type, "password");
  EXPECT_EQ(lines[2].args.at("minlen"), "12");
  ASSERT_EQ(includes.size(), 2u);
  EXPECT_EQ(includes[0].file, "common-auth");
  EXPECT_EQ(includes[1].type, "auth");
}

TEST(AccountsWithoutPassword, ListsOnlyEmptyFields) {
  EXPECT_EQ(AccountsWithoutPassword("root:*:1::\nkiosk::1::\nx:!:1::\n"
                                    "y:$6$a$b:1::\nguest::\n#c::\n:::\n"),
            (std::vector<std::string>{"kiosk", "guest"}));
}

TEST(BuildPasswordPolicy, PwqualityArgumentsOverrideTheConfFile) {
  PasswordPolicySources src = WithPam(
      "password requisite pam_pwquality.so minlen=14 dcredit=-1 ucredit=-1 "
      "lcredit=-1\n"
      "password [success=1 default=ignore] pam_unix.so obscure yescrypt\n",
      "auth required pam_faillock.so preauth deny=4\n");
  src.pwquality_confs = {"minlen = 8\nminclass = 2\n"};
  src.faillock_conf = "deny = 10\nunlock_time = never\n";
  const PasswordPolicyFacts f = BuildPasswordPolicy(src);
  EXPECT_EQ(f.status.state, CollectionState::kOk);
  EXPECT_EQ(f.min_length, 14u);
  EXPECT_EQ(f.min_classes, 3u);  // three negative credits beat minclass=2
  EXPECT_EQ(f.complexity_required, true);
  EXPECT_EQ(f.lockout_threshold, 4u);
  EXPECT_FALSE(f.lockout_duration_seconds.has_value());  // never unlocks
  EXPECT_EQ(f.hash_method, "YESCRYPT");
  EXPECT_EQ(f.max_age_days, 90u);
  EXPECT_EQ(f.min_age_days, 1u);
  EXPECT_EQ(f.history_length, 0u);
}

TEST(BuildPasswordPolicy, PositiveCreditsShortenTheMinimum) {
  const PasswordPolicyFacts f = BuildPasswordPolicy(
      WithPam("password requisite pam_cracklib.so minlen=12\n", ""));
  EXPECT_EQ(f.min_length, 8u);  // cracklib's default credits are 1 each
  const PasswordPolicyFacts floor = BuildPasswordPolicy(
      WithPam("password requisite pam_cracklib.so minlen=7\n", ""));
  EXPECT_EQ(floor.min_length, 6u);
}

TEST(BuildPasswordPolicy, PamUnixAloneUsesItsDefaultAndNoLockout) {
  const PasswordPolicyFacts f = BuildPasswordPolicy(
      WithPam("password [success=1] pam_unix.so obscure sha512\n",
              "auth [success=1] pam_unix.so nullok\n"));
  EXPECT_EQ(f.min_length, 6u);
  EXPECT_EQ(f.complexity_required, false);
  EXPECT_EQ(f.lockout_threshold, 0u);
  EXPECT_EQ(f.hash_method, "SHA512");
}

TEST(BuildPasswordPolicy, Tally2WithoutDenyNeverLocks) {
  const PasswordPolicyFacts f = BuildPasswordPolicy(
      WithPam("", "auth required pam_tally2.so onerr=fail\n"));
  EXPECT_EQ(f.lockout_threshold, 0u);
}

TEST(BuildPasswordPolicy, UnreadableShadowKeepsTheRest) {
  PasswordPolicySources src =
      WithPam("password requisite pam_pwquality.so minlen=10\n", "");
  src.shadow = PermissionDeniedError("/etc/shadow: Permission denied");
  const PasswordPolicyFacts f = BuildPasswordPolicy(src);
  EXPECT_EQ(f.status.state, CollectionState::kPermissionDenied);
  EXPECT_NE(f.status.message.find("/etc/shadow"), std::string::npos);
  EXPECT_EQ(f.min_length, 10u);
  EXPECT_EQ(f.max_age_days, 90u);
  EXPECT_TRUE(f.accounts_without_password.empty());
}

TEST(BuildPasswordPolicy, NoSourcesIsUnsupported) {
  PasswordPolicySources src;
  const PasswordPolicyFacts f = BuildPasswordPolicy(src);
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_FALSE(f.min_length.has_value());
}

TEST(BuildPasswordPolicy, LoginDefsMinLenOnlyWithoutPam) {
  PasswordPolicySources src;
  src.login_defs = std::string("PASS_MIN_LEN 10\nENCRYPT_METHOD sha512\n");
  src.shadow = std::string("");
  const PasswordPolicyFacts f = BuildPasswordPolicy(src);
  EXPECT_EQ(f.min_length, 10u);
  EXPECT_EQ(f.hash_method, "SHA512");
  EXPECT_FALSE(f.lockout_threshold.has_value());  // unknown without PAM
}

}  // namespace
}  // namespace mamori::facts
