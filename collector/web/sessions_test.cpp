#include "collector/web/sessions.h"

#include <gtest/gtest.h>

#include "collector/pki/crypto.h"

namespace mamori::web {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class SessionsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(pki::InitCrypto().ok()); }
  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
};

TEST_F(SessionsTest, IdleTimeoutEndsASession) {
  SessionManager sessions(clock_, {minutes(30), minutes(600), 100});
  Session s = sessions.Create(7, "127.0.0.1");
  EXPECT_EQ(s.id.size(), 43u);  // 32 random bytes, base64url
  EXPECT_NE(s.id, s.csrf_token);
  clock_.Advance(minutes(29));
  ASSERT_TRUE(sessions.Touch(s.id).has_value());
  clock_.Advance(minutes(29));  // 29 min after the last use: still alive
  ASSERT_TRUE(sessions.Touch(s.id).has_value());
  clock_.Advance(minutes(31));
  EXPECT_FALSE(sessions.Touch(s.id).has_value());
  EXPECT_EQ(sessions.size(), 0u);
}

TEST_F(SessionsTest, AbsoluteTimeoutEndsAnActiveSession) {
  SessionManager sessions(clock_, {minutes(30), minutes(60), 100});
  Session s = sessions.Create(7, "127.0.0.1");
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(minutes(20));
    ASSERT_TRUE(sessions.Touch(s.id).has_value()) << i;
  }
  clock_.Advance(minutes(1));
  EXPECT_FALSE(sessions.Touch(s.id).has_value());
}

TEST_F(SessionsTest, LogoutAndAccountRemovalEndSessions) {
  SessionManager sessions(clock_, {});
  Session a = sessions.Create(1, "x");
  Session b = sessions.Create(1, "y");
  Session c = sessions.Create(2, "z");
  EXPECT_NE(a.id, b.id);
  sessions.Remove(a.id);
  EXPECT_FALSE(sessions.Touch(a.id).has_value());
  EXPECT_TRUE(sessions.Touch(b.id).has_value());
  sessions.RemoveAccount(1);
  EXPECT_FALSE(sessions.Touch(b.id).has_value());
  EXPECT_TRUE(sessions.Touch(c.id).has_value());
  EXPECT_FALSE(sessions.Touch("").has_value());
  EXPECT_FALSE(sessions.Touch(std::string(500, 'a')).has_value());
}

TEST_F(SessionsTest, AFullTableDropsTheLeastRecentlyUsed) {
  SessionManager sessions(clock_, {minutes(30), minutes(600), 2});
  Session a = sessions.Create(1, "x");
  clock_.Advance(seconds(1));
  Session b = sessions.Create(2, "x");
  clock_.Advance(seconds(1));
  ASSERT_TRUE(sessions.Touch(a.id).has_value());
  Session c = sessions.Create(3, "x");
  EXPECT_TRUE(sessions.Touch(a.id).has_value());
  EXPECT_FALSE(sessions.Touch(b.id).has_value());
  EXPECT_TRUE(sessions.Touch(c.id).has_value());
}

TEST_F(SessionsTest, ThrottleSlowsRepeatedFailuresPerAccount) {
  LoginThrottle throttle(clock_, {3, 100, minutes(15), minutes(60)});
  for (int i = 0; i < 2; ++i) throttle.RecordFailure("admin", "10.0.0.1");
  EXPECT_EQ(throttle.Wait("admin", "10.0.0.1"), seconds(0));
  throttle.RecordFailure("admin", "10.0.0.2");  // third: allowance used up
  EXPECT_EQ(throttle.Wait("admin", "10.0.0.9"), seconds(1));
  throttle.RecordFailure("admin", "10.0.0.1");
  EXPECT_EQ(throttle.Wait("admin", "10.0.0.9"), seconds(2));
  for (int i = 0; i < 20; ++i) throttle.RecordFailure("admin", "10.0.0.1");
  EXPECT_EQ(throttle.Wait("admin", "10.0.0.9"), minutes(15));  // capped
  EXPECT_EQ(throttle.Wait("other", "10.0.0.9"), seconds(0));
  clock_.Advance(minutes(15));
  EXPECT_EQ(throttle.Wait("admin", "10.0.0.9"), seconds(0));
  throttle.RecordSuccess("admin");
  throttle.RecordFailure("admin", "10.0.0.3");
  EXPECT_EQ(throttle.Wait("admin", "10.0.0.3"), seconds(0));
}

TEST_F(SessionsTest, ThrottleSlowsOneSourceGuessingManyAccounts) {
  LoginThrottle throttle(clock_, {5, 4, minutes(15), minutes(60)});
  for (int i = 0; i < 4; ++i) {
    throttle.RecordFailure("user" + std::to_string(i), "192.0.2.1");
  }
  EXPECT_EQ(throttle.Wait("someone-new", "192.0.2.1"), seconds(1));
  EXPECT_EQ(throttle.Wait("someone-new", "192.0.2.2"), seconds(0));
  clock_.Advance(minutes(61));  // the window forgets old failures
  EXPECT_EQ(throttle.Wait("someone-new", "192.0.2.1"), seconds(0));
}

}  // namespace
}  // namespace mamori::web
