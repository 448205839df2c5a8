#include "collector/store/tokens.h"

#include <gtest/gtest.h>

namespace mamori::store {
namespace {

constexpr int64_t kNow = 1'800'000'000;

TEST(CheckTokenUsable, UsableTokens) {
  EXPECT_TRUE(CheckTokenUsable({}, kNow).ok());  // never expires, unlimited
  EXPECT_TRUE(CheckTokenUsable({kNow + 1, 1, false}, kNow).ok());
}

TEST(CheckTokenUsable, ExpiresAtTheInstantItNames) {
  Status at = CheckTokenUsable({kNow, std::nullopt, false}, kNow);
  EXPECT_EQ(at.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(at.message(), "enrollment token expired");
  EXPECT_TRUE(CheckTokenUsable({kNow, std::nullopt, false}, kNow - 1).ok());
}

TEST(CheckTokenUsable, UsedUpAndRevoked) {
  Status used = CheckTokenUsable({std::nullopt, 0, false}, kNow);
  EXPECT_EQ(used.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(used.message(), "enrollment token has no uses left");
  EXPECT_EQ(CheckTokenUsable({std::nullopt, -3, false}, kNow).code(),
            StatusCode::kUnauthenticated);
  // Revocation is named first, even on an expired, used-up token.
  Status revoked = CheckTokenUsable({kNow - 10, 0, true}, kNow);
  EXPECT_EQ(revoked.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(revoked.message(), "enrollment token was revoked");
}

}  // namespace
}  // namespace mamori::store
