// Desktop trees under tests/fixtures/linux/screen_lock/, read with --root.
#include <gtest/gtest.h>

#include "agent/facts/screen_lock.h"

namespace mamori::facts {
namespace {

ScreenLockFacts Read(const std::string& tree) {
  return GatherScreenLock(
      RootContext("tests/fixtures/linux/screen_lock/" + tree));
}

TEST(ScreenLockFixtures, HeadlessIsNotApplicable) {
  EXPECT_EQ(Read("headless").status.state, CollectionState::kNotApplicable);
}

TEST(ScreenLockFixtures, GnomeLockedByDconfPolicy) {
  const ScreenLockFacts f = Read("gnome_locked");
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.source, "gnome");
  EXPECT_EQ(f.enabled, true);
  EXPECT_EQ(f.idle_timeout_seconds, 300u);  // 10-override beats 00 and distro
  EXPECT_EQ(f.lock_on_resume, false);       // distro override
  EXPECT_TRUE(f.enforced_by_policy);
}

TEST(ScreenLockFixtures, GnomePartlyLockedIsNotEnforced) {
  const ScreenLockFacts f = Read("gnome_partly_locked");
  ASSERT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  EXPECT_EQ(f.enabled, true);
  EXPECT_EQ(f.idle_timeout_seconds, 300u);
  EXPECT_FALSE(f.enforced_by_policy);
}

TEST(ScreenLockFixtures, GnomeWithoutPolicyUsesDefaults) {
  const ScreenLockFacts f = Read("gnome_default");
  EXPECT_EQ(f.enabled, true);
  EXPECT_EQ(f.idle_timeout_seconds, 300u);
  EXPECT_FALSE(f.enforced_by_policy);
}

TEST(ScreenLockFixtures, KdeImmutable) {
  const ScreenLockFacts f = Read("kde");
  EXPECT_EQ(f.source, "kde");
  EXPECT_EQ(f.idle_timeout_seconds, 600u);
  EXPECT_TRUE(f.enforced_by_policy);
}

TEST(ScreenLockFixtures, Xfce) {
  const ScreenLockFacts f = Read("xfce");
  EXPECT_EQ(f.source, "xfce");
  EXPECT_EQ(f.enabled, true);
  EXPECT_EQ(f.idle_timeout_seconds, 900u);
  EXPECT_EQ(f.lock_on_resume, true);
}

TEST(ScreenLockFixtures, OtherDesktopIsUnsupported) {
  const ScreenLockFacts f = Read("other");
  EXPECT_EQ(f.status.state, CollectionState::kUnsupported);
  EXPECT_NE(f.status.message.find("i3"), std::string::npos);
}

}  // namespace
}  // namespace mamori::facts
