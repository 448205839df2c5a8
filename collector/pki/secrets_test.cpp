// RandomSecret and ConstantTimeEquals over OpenSSL (pki/secrets.cpp): the
// tokens and node keys keep the form libsodium gave them (URL-safe base64,
// no padding).
#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include "collector/pki/crypto.h"

namespace mamori::pki {
namespace {

TEST(SecretsTest, RandomSecretIsUrlSafeBase64WithoutPadding) {
  // 4 characters per 3 bytes, rounded up, without '=' padding.
  const std::pair<size_t, size_t> cases[] = {{1, 2},   {2, 3},   {3, 4},
                                             {16, 22}, {32, 43}, {33, 44}};
  for (const auto& [bytes, chars] : cases) {
    const std::string s = RandomSecret(bytes);
    EXPECT_EQ(s.size(), chars) << bytes;
    for (char c : s) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                  c == '_')
          << "'" << c << "' in " << s;
    }
  }
}

TEST(SecretsTest, RandomSecretsDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(RandomSecret(32));
  EXPECT_EQ(seen.size(), 100u);
}

TEST(SecretsTest, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("node-key", "node-key"));
  EXPECT_FALSE(ConstantTimeEquals("node-key", "node-kez"));
  EXPECT_FALSE(ConstantTimeEquals("node-key", "node-ke"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace mamori::pki
