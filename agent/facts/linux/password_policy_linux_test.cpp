// login.defs / PAM / pwquality / faillock / shadow variants under
// tests/fixtures/linux/password_policy/, read with --root.
#include <gtest/gtest.h>

#include "agent/facts/password_policy.h"

namespace mamori::facts {
namespace {

PasswordPolicyFacts Read(const std::string& tree) {
  return GatherPasswordPolicy(
      RootContext("tests/fixtures/linux/password_policy/" + tree));
}

TEST(PasswordPolicyFixtures, DebianStrict) {
  const PasswordPolicyFacts f = Read("debian_strict");
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.min_length, 12u);  // argument beats pwquality.conf's 10
  EXPECT_EQ(f.min_classes, 3u);  // conf.d minclass=3 beats conf's 2
  EXPECT_EQ(f.complexity_required, true);
  EXPECT_EQ(f.history_length, 5u);
  EXPECT_EQ(f.lockout_threshold, 5u);  // faillock.conf
  EXPECT_EQ(f.lockout_duration_seconds, 900u);
  EXPECT_EQ(f.hash_method, "YESCRYPT");  // pam_unix beats login.defs SHA512
  EXPECT_EQ(f.max_age_days, 90u);
  EXPECT_EQ(f.min_age_days, 1u);
  EXPECT_EQ(f.accounts_without_password,
            (std::vector<std::string>{"kiosk", "guest"}));
  EXPECT_EQ(f.accounts_without_password_count, 2u);
  for (const std::string& e : f.evidence) {
    EXPECT_EQ(e.find("$y$"), std::string::npos) << "hash leaked: " << e;
  }
}

TEST(PasswordPolicyFixtures, DebianDefault) {
  const PasswordPolicyFacts f = Read("debian_default");
  ASSERT_EQ(f.status.state, CollectionState::kOk);
  EXPECT_EQ(f.min_length, 6u);
  EXPECT_EQ(f.complexity_required, false);
  EXPECT_EQ(f.lockout_threshold, 0u);
  EXPECT_EQ(f.max_age_days, 99999u);
  EXPECT_EQ(f.accounts_without_password_count, 0u);
}

TEST(PasswordPolicyFixtures, RhelCracklibAndTally2ThroughIncludes) {
  const PasswordPolicyFacts f = Read("rhel_cracklib");
  ASSERT_EQ(f.status.state, CollectionState::kOk);
  EXPECT_EQ(f.min_length, 10u);  // minlen 14 less four default credits
  EXPECT_EQ(f.lockout_threshold, 6u);
  EXPECT_EQ(f.lockout_duration_seconds, 1200u);
  EXPECT_EQ(f.history_length, 4u);
  EXPECT_EQ(f.hash_method, "SHA512");
  EXPECT_EQ(f.max_age_days, 60u);
}

TEST(PasswordPolicyFixtures, LoginDefsOnly) {
  const PasswordPolicyFacts f = Read("no_pam");
  EXPECT_EQ(f.min_length, 10u);
  EXPECT_EQ(f.max_age_days, 180u);
  // No shadow in this tree: said so, the rest still reported.
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("shadow"), std::string::npos);
}

}  // namespace
}  // namespace mamori::facts
