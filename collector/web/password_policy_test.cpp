#include "collector/web/password_policy.h"

#include <gtest/gtest.h>

namespace mamori::web {
namespace {

TEST(PasswordPolicy, AcceptsALongUncommonPassword) {
  EXPECT_EQ(PasswordProblem("alice", "kumo-no-ue-de-odoru-7"), std::nullopt);
  // Twelve code points of Japanese are twelve characters, not 36 bytes.
  EXPECT_EQ(PasswordProblem("alice", "春はあけぼのやうやう白く"), std::nullopt);
}

TEST(PasswordPolicy, NamesWhatIsWrong) {
  EXPECT_EQ(PasswordProblem("alice", "short-pw-1"), "password.too_short");
  EXPECT_EQ(PasswordProblem("alice", "春はあけぼの"), "password.too_short");
  EXPECT_EQ(PasswordProblem("alice", std::string(257, 'x')),
            "password.too_long");
  EXPECT_EQ(PasswordProblem("alice", "my-ALICE-password-2026"),
            "password.contains_name");
  EXPECT_EQ(PasswordProblem("bob", "Password1234"), "password.common");
  EXPECT_EQ(PasswordProblem("bob", "QWERTYUIOP123"), "password.common");
  EXPECT_EQ(PasswordProblem("bob", "zzzzzzzzzzzzzz"), "password.common");
  EXPECT_EQ(PasswordProblem("bob", "line\nbreak-password"), "password.invalid");
  EXPECT_EQ(PasswordProblem("bob", "bad-utf8-\xff\xfe-password"),
            "password.invalid");
}

TEST(AccountName, AllowsOnlyPlainCharacters) {
  EXPECT_TRUE(ValidAccountName("it.staff@example"));
  EXPECT_FALSE(ValidAccountName(""));
  EXPECT_FALSE(ValidAccountName("<script>"));
  EXPECT_FALSE(ValidAccountName("a b"));
  EXPECT_FALSE(ValidAccountName(std::string(65, 'a')));
}

}  // namespace
}  // namespace mamori::web
