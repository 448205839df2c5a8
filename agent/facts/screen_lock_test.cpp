#include "agent/facts/screen_lock.h"

#include <gtest/gtest.h>

namespace mamori::facts {
namespace {

TEST(Dconf, ProfileAndLocks) {
  EXPECT_EQ(DconfSystemDbs("user-db:user\nsystem-db:local\nsystem-db:site\n"),
            (std::vector<std::string>{"local", "site"}));
  EXPECT_EQ(
      ParseDconfLocks("# c\n/org/gnome/desktop/session/idle-delay\n\n"),
      (std::vector<std::string>{"/org/gnome/desktop/session/idle-delay"}));
}

TEST(GVariant, ParsesTypedAndBareValues) {
  EXPECT_EQ(GVariantUint("uint32 300"), 300u);
  EXPECT_EQ(GVariantUint("60"), 60u);
  EXPECT_FALSE(GVariantUint("'x'").has_value());
  EXPECT_EQ(GVariantBool("true"), true);
  EXPECT_EQ(GVariantBool(" false "), false);
  EXPECT_FALSE(GVariantBool("1").has_value());
}

TEST(EvaluateGnome, DefaultsWhenNothingIsSet) {
  const ScreenLockFacts f = EvaluateGnome(GnomeSettings{});
  EXPECT_EQ(f.enabled, true);
  EXPECT_EQ(f.idle_timeout_seconds, 300u);
  EXPECT_EQ(f.password_required, true);
  EXPECT_EQ(f.lock_on_resume, true);
  EXPECT_FALSE(f.enforced_by_policy);
  EXPECT_EQ(f.source, "gnome");
}

TEST(EvaluateGnome, LockedPolicyAndLayers) {
  GnomeSettings s;
  IniSections db;
  db["org/gnome/desktop/session"]["idle-delay"] = "uint32 120";
  db["org/gnome/desktop/screensaver"]["lock-delay"] = "uint32 30";
  AddGnomeKeyfile(db, "/etc/dconf/db/local.d/00", true, &s);
  IniSections distro;
  distro["org.gnome.desktop.session"]["idle-delay"] = "900";
  distro["org.gnome.desktop.screensaver"]["lock-enabled"] = "true";
  AddGnomeKeyfile(distro, "override", false, &s);  // lower priority
  s.locks = {"/org/gnome/desktop/session/idle-delay",
             "/org/gnome/desktop/screensaver/lock-enabled",
             "/org/gnome/desktop/screensaver/lock-delay",
             "/org/gnome/desktop/lockdown/disable-lock-screen"};
  const ScreenLockFacts f = EvaluateGnome(s);
  EXPECT_EQ(f.idle_timeout_seconds, 150u);  // idle 120 + lock-delay 30
  EXPECT_EQ(f.enabled, true);
  EXPECT_TRUE(f.enforced_by_policy);
}

// A user can lengthen lock-delay or set disable-lock-screen in their own
// dconf database unless those are locked too: not enforced, and the
// evidence names the keys left open.
TEST(EvaluateGnome, LockingSomeKeysIsNotEnforcement) {
  GnomeSettings s;
  s.values["/org/gnome/desktop/session/idle-delay"] = {"uint32 120", "db"};
  s.locks = {"/org/gnome/desktop/session/idle-delay",
             "/org/gnome/desktop/screensaver/lock-enabled"};
  const ScreenLockFacts f = EvaluateGnome(s);
  EXPECT_EQ(f.enabled, true);
  EXPECT_FALSE(f.enforced_by_policy);
  ASSERT_FALSE(f.evidence.empty());
  EXPECT_EQ(f.evidence.back(),
            "not locked by policy, so each user may change it: "
            "/org/gnome/desktop/screensaver/lock-delay, "
            "/org/gnome/desktop/lockdown/disable-lock-screen");
}

TEST(EvaluateGnome, ZeroIdleOrLockdownDisables) {
  GnomeSettings s;
  s.values["/org/gnome/desktop/session/idle-delay"] = {"uint32 0", "db"};
  ScreenLockFacts f = EvaluateGnome(s);
  EXPECT_EQ(f.enabled, false);
  EXPECT_EQ(f.idle_timeout_seconds, 0u);
  s.values.clear();
  s.values["/org/gnome/desktop/lockdown/disable-lock-screen"] = {"true", "db"};
  f = EvaluateGnome(s);
  EXPECT_EQ(f.enabled, false);
  EXPECT_EQ(f.lock_on_resume, false);
}

TEST(EvaluateKde, ReadsDaemonGroupAndImmutability) {
  IniSections rc;
  rc["Daemon"]["Timeout"] = "10";
  rc["Daemon"]["LockOnResume"] = "false";
  ScreenLockFacts f =
      EvaluateKde(rc, "[Daemon][$i]\nTimeout=10\n", "/etc/xdg/kscreenlockerrc");
  EXPECT_EQ(f.enabled, true);
  EXPECT_EQ(f.idle_timeout_seconds, 600u);
  EXPECT_EQ(f.lock_on_resume, false);
  EXPECT_TRUE(f.enforced_by_policy);
  f = EvaluateKde(IniSections{}, "", "none");
  EXPECT_EQ(f.idle_timeout_seconds, 300u);
  EXPECT_FALSE(f.enforced_by_policy);
}

TEST(EvaluateKde, OnlyTheLockSettingsImmutableIsEnforcement) {
  // "[$i]" on another group says nothing about the lock.
  IniSections rc;
  rc["Daemon"]["Timeout"] = "10";
  EXPECT_FALSE(
      EvaluateKde(rc, "[Greeter][$i]\nTheme=x\n[Daemon]\nTimeout=10\n", "f")
          .enforced_by_policy);
  // The whole file immutable.
  EXPECT_TRUE(
      EvaluateKde(rc, "[$i]\n[Daemon]\nTimeout=10\n", "f").enforced_by_policy);
  // Immutable keys: both needed, and their values are read.
  IniSections keys;
  keys["Daemon"]["Timeout[$i]"] = "20";
  keys["Daemon"]["Autolock[$i]"] = "true";
  ScreenLockFacts f =
      EvaluateKde(keys, "[Daemon]\nAutolock[$i]=true\nTimeout[$i]=20\n", "f");
  EXPECT_TRUE(f.enforced_by_policy);
  EXPECT_EQ(f.idle_timeout_seconds, 1200u);
  f = EvaluateKde(keys, "[Daemon]\nAutolock=true\nTimeout[$i]=20\n", "f");
  EXPECT_FALSE(f.enforced_by_policy);
}

TEST(EvaluateXfce, UnknownStaysUnset) {
  ScreenLockFacts f = EvaluateXfce({}, "x");
  EXPECT_FALSE(f.enabled.has_value());
  f = EvaluateXfce({{"/lock/enabled", "true"},
                    {"/saver/idle-activation/enabled", "true"},
                    {"/saver/idle-activation/delay", "15"}},
                   "x");
  EXPECT_EQ(f.enabled, true);
  EXPECT_EQ(f.idle_timeout_seconds, 900u);
  EXPECT_FALSE(f.lock_on_resume.has_value());
}

}  // namespace
}  // namespace mamori::facts
