// WLAN profile XML through XmlLite from hand-written fixtures following
// Microsoft's WLANProfile schema; firewall's error path under Wine; screen
// lock and RDP precedence (policy over local setting) in registry sandboxes.
#include <gtest/gtest.h>

// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <windows.h>
// clang-format on
// objbase.h defines `interface` as `struct`; our structs have fields of
// that name.
#undef interface

#include "agent/facts/firewall.h"
#include "agent/facts/remote_access.h"
#include "agent/facts/screen_lock.h"
#include "agent/facts/windows/test_support.h"
#include "agent/facts/windows/wifi_profile_xml.h"
#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"
#include "common/text.h"

namespace mamori::facts {
namespace {

namespace t = win::testing;

Result<WifiNetwork> ProfileFromFixture(const std::string& name) {
  Result<std::string> xml = ReadFile("tests/fixtures/windows/wlan/" + name);
  if (!xml.ok()) return xml.status();
  win::WlanProfileValues values;
  CollectionStatus s =
      win::ParseWlanProfileXml(win::Utf8ToWide(*xml).c_str(), &values);
  if (!s.ok()) return InternalError(s.message);
  return win::FromProfile(values);
}

TEST(WindowsWlanProfileTest, PersonalProfileWithJapaneseName) {
  Result<WifiNetwork> n = ProfileFromFixture("office_wpa2_personal.xml");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->ssid, "社内Wi-Fi");
  EXPECT_EQ(n->source, "wlan-profile:社内Wi-Fi");
  EXPECT_EQ(n->security, WifiSecurity::kWpa2);
  EXPECT_FALSE(n->enterprise);
  EXPECT_EQ(n->cipher, "CCMP");
  EXPECT_TRUE(n->auto_connect);
  EXPECT_FALSE(n->hidden);
}

TEST(WindowsWlanProfileTest, HiddenEnterpriseProfile) {
  Result<WifiNetwork> n = ProfileFromFixture("corp_hidden_enterprise.xml");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->ssid, "CORP-SECURE");
  EXPECT_EQ(n->security, WifiSecurity::kWpa3);
  EXPECT_TRUE(n->enterprise);
  EXPECT_EQ(n->cipher, "GCMP-256");
  EXPECT_FALSE(n->auto_connect);
  EXPECT_TRUE(n->hidden);
}

TEST(WindowsWlanProfileTest, MalformedXmlIsAnError) {
  Result<WifiNetwork> n = ProfileFromFixture("broken.xml");
  EXPECT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("IXmlReader::Read"), std::string::npos);
}

TEST(WindowsFirewallTest, UnavailableApiIsNotAVerdict) {
  if (!win::RunningUnderWine()) GTEST_SKIP() << "Wine-only error path";
  const FirewallFacts f = GatherFirewall(LiveContext());
  EXPECT_FALSE(f.status.ok());
  EXPECT_NE(f.status.error_code, 0);
  EXPECT_FALSE(f.active.has_value());
}

TEST(WindowsScreenLockTest, PolicyWinsOverUserSetting) {
  t::RegistrySandbox sandbox("screen");
  ASSERT_TRUE(sandbox.ok());
  ASSERT_TRUE(t::SetString(HKEY_CURRENT_USER, "Control Panel\\Desktop",
                           "ScreenSaveTimeOut", "1800"));
  ASSERT_TRUE(t::SetString(HKEY_CURRENT_USER, "Control Panel\\Desktop",
                           "ScreenSaveActive", "1"));
  ASSERT_TRUE(t::SetString(
      HKEY_CURRENT_USER,
      "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop",
      "ScreenSaveTimeOut", "600"));
  ASSERT_TRUE(t::SetString(
      HKEY_CURRENT_USER,
      "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop",
      "ScreenSaverIsSecure", "1"));
  ScreenLockFacts f = GatherScreenLock(LiveContext());
  ASSERT_TRUE(f.status.ok()) << f.status.message;
  EXPECT_EQ(f.idle_timeout_seconds, 600u);
  EXPECT_EQ(f.password_required, true);
  // The saver's on/off is still the user's: not enforced (#13.10).
  EXPECT_FALSE(f.enforced_by_policy);

  ASSERT_TRUE(t::SetString(
      HKEY_CURRENT_USER,
      "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop",
      "ScreenSaveActive", "1"));
  f = GatherScreenLock(LiveContext());
  ASSERT_TRUE(f.status.ok()) << f.status.message;
  EXPECT_EQ(f.enabled, true);
  EXPECT_EQ(f.idle_timeout_seconds, 600u);
  EXPECT_EQ(f.password_required, true);
  EXPECT_TRUE(f.enforced_by_policy);

  // Machine inactivity limit locks the session regardless of the saver.
  ASSERT_TRUE(t::SetDword(
      HKEY_LOCAL_MACHINE,
      "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System",
      "InactivityTimeoutSecs", 300));
  f = GatherScreenLock(LiveContext());
  EXPECT_EQ(f.idle_timeout_seconds, 300u);
  EXPECT_EQ(f.source, "windows-policy");
}

TEST(WindowsScreenLockTest, NothingSetStaysUnknown) {
  t::RegistrySandbox sandbox("screen-empty");
  ASSERT_TRUE(sandbox.ok());
  const ScreenLockFacts f = GatherScreenLock(LiveContext());
  ASSERT_TRUE(f.status.ok()) << f.status.message;
  EXPECT_FALSE(f.enabled.has_value());
  EXPECT_FALSE(f.password_required.has_value());
}

TEST(WindowsRemoteAccessTest, RdpPolicyOverridesLocalSetting) {
  t::RegistrySandbox sandbox("rdp");
  ASSERT_TRUE(sandbox.ok());
  ASSERT_TRUE(t::SetDword(HKEY_LOCAL_MACHINE,
                          "SYSTEM\\CurrentControlSet\\Control\\Terminal Server",
                          "fDenyTSConnections", 0));
  ASSERT_TRUE(t::SetDword(HKEY_LOCAL_MACHINE,
                          "SYSTEM\\CurrentControlSet\\Control\\Terminal "
                          "Server\\WinStations\\RDP-Tcp",
                          "PortNumber", 3389));
  ASSERT_TRUE(t::SetDword(HKEY_LOCAL_MACHINE,
                          "SYSTEM\\CurrentControlSet\\Control\\Terminal "
                          "Server\\WinStations\\RDP-Tcp",
                          "UserAuthentication", 0));
  RemoteAccessFacts f = GatherRemoteAccess(LiveContext());
  ASSERT_TRUE(f.status.ok()) << f.status.message;
  EXPECT_EQ(f.rdp_enabled, true);
  EXPECT_EQ(f.rdp_nla_required, false);
  EXPECT_EQ(f.rdp_port, 3389u);

  ASSERT_TRUE(t::SetDword(
      HKEY_LOCAL_MACHINE,
      "SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services",
      "fDenyTSConnections", 1));
  f = GatherRemoteAccess(LiveContext());
  EXPECT_EQ(f.rdp_enabled, false);
}

}  // namespace
}  // namespace mamori::facts
