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
             "/org/gnome/desktop/screensaver/lock-enabled"};
  const ScreenLockFacts f = EvaluateGnome(s);
  EXPECT_EQ(f.idle_timeout_seconds, 150u);  // idle 120 + lock-delay 30
  EXPECT_EQ(f.enabled, true);
  EXPECT_TRUE(f.enforced_by_policy);
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
