// NetworkManager keyfiles and wpa_supplicant files under
// tests/fixtures/linux/wifi/, parsed through the Boost INI adapter.
#include <gtest/gtest.h>

#include <map>

#include "agent/facts/linux/ini_file.h"
#include "agent/facts/wifi.h"

namespace mamori::facts {
namespace {

const std::string kNm = "tests/fixtures/linux/wifi/nm/";

WifiNetwork Keyfile(const std::string& name) {
  Result<std::string> text = ReadFile(kNm + name);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  Result<IniSections> ini = linux_util::ParseIni(*text);
  EXPECT_TRUE(ini.ok()) << ini.status().ToString();
  std::optional<WifiNetwork> net = NetworkFromKeyfile(*ini, name);
  EXPECT_TRUE(net.has_value()) << name;
  return net.value_or(WifiNetwork{});
}

TEST(WifiKeyfiles, EveryFixtureProfile) {
  const WifiNetwork wep = Keyfile("office-wep.nmconnection");
  EXPECT_EQ(wep.ssid, "OfficeOld");
  EXPECT_EQ(wep.security, WifiSecurity::kWep);
  EXPECT_TRUE(wep.auto_connect);

  const WifiNetwork psk = Keyfile("home-psk.nmconnection");
  EXPECT_EQ(psk.security, WifiSecurity::kWpa2);
  EXPECT_FALSE(psk.enterprise);
  EXPECT_FALSE(psk.auto_connect);
  EXPECT_EQ(psk.cipher, "CCMP");

  const WifiNetwork wpa1 = Keyfile("legacy-wpa1.nmconnection");
  EXPECT_EQ(wpa1.ssid, "Maru");
  EXPECT_EQ(wpa1.security, WifiSecurity::kWpa);
  EXPECT_EQ(wpa1.cipher, "TKIP");

  const WifiNetwork sae = Keyfile("cafe-sae.nmconnection");
  EXPECT_EQ(sae.ssid, "Cafe WPA3");
  EXPECT_EQ(sae.security, WifiSecurity::kWpa3);

  const WifiNetwork eap = Keyfile("corp-8021x.nmconnection");
  EXPECT_EQ(eap.security, WifiSecurity::kWpa2);
  EXPECT_TRUE(eap.enterprise);

  const WifiNetwork open = Keyfile("hidden-open.nmconnection");
  EXPECT_EQ(open.security, WifiSecurity::kOpen);
  EXPECT_TRUE(open.hidden);
  EXPECT_TRUE(open.auto_connect);
}

TEST(WifiKeyfiles, BrokenFileIsAnInvalidArgumentNamingTheLine) {
  Result<std::string> text = ReadFile(kNm + "broken.nmconnection");
  ASSERT_TRUE(text.ok());
  Result<IniSections> ini = linux_util::ParseIni(*text);
  ASSERT_FALSE(ini.ok());
  EXPECT_EQ(ini.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(ini.status().message().find("line 1"), std::string::npos);
}

TEST(WifiKeyfiles, DuplicateKeysAreRejected) {
  EXPECT_FALSE(linux_util::ParseIni("[a]\nk=1\nk=2\n").ok());
  Result<IniSections> ok = linux_util::ParseIni("top=1\n[s]\nk = v=w\n");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[""]["top"], "1");
  EXPECT_EQ((*ok)["s"]["k"], "v=w");
}

TEST(WifiGather, NoProfilesUnderRoot) {
  const WifiFacts none =
      GatherWifi(RootContext("tests/fixtures/linux/wifi/none"));
  EXPECT_EQ(none.status.state, CollectionState::kOk) << none.status.message;
  EXPECT_TRUE(none.profiles.empty());
  EXPECT_TRUE(none.current_unknown);
  EXPECT_FALSE(none.current.has_value());
  EXPECT_TRUE(none.adapters.empty());
  // The link is the running kernel's: unsupported under a root.
  ASSERT_TRUE(none.current_status.has_value());
  EXPECT_EQ(none.current_status->state, CollectionState::kUnsupported);
  EXPECT_NE(none.current_status->message.find("live kernel"),
            std::string::npos);
}

TEST(WifiGather, ProfilesStillReadUnderRoot) {
  // A root holding NetworkManager keyfiles: profiles come from the root,
  // the current link stays unsupported.
  const WifiFacts f =
      GatherWifi(RootContext("tests/fixtures/linux/wifi/rooted"));
  EXPECT_EQ(f.status.state, CollectionState::kOk) << f.status.message;
  ASSERT_EQ(f.profiles.size(), 1u);
  EXPECT_EQ(f.profiles[0].ssid, "Home");
  EXPECT_EQ(f.profiles[0].security, WifiSecurity::kWpa2);
  EXPECT_TRUE(f.current_unknown);
  EXPECT_EQ(f.current_status->state, CollectionState::kUnsupported);
}

TEST(WifiGather, WpaSupplicantFixture) {
  Result<std::string> text =
      ReadFile("tests/fixtures/linux/wifi/wpa_supplicant/wpa_supplicant.conf");
  ASSERT_TRUE(text.ok());
  const std::vector<WifiNetwork> nets = ParseWpaSupplicant(*text, "f");
  ASSERT_EQ(nets.size(), 6u);
  EXPECT_EQ(nets[0].security, WifiSecurity::kOpen);
  EXPECT_EQ(nets[1].security, WifiSecurity::kWep);
  EXPECT_EQ(nets[2].security, WifiSecurity::kWpa2);
  EXPECT_TRUE(nets[2].hidden);
  EXPECT_EQ(nets[3].security, WifiSecurity::kWpa2);
  EXPECT_TRUE(nets[4].enterprise);
  EXPECT_FALSE(nets[4].auto_connect);
  EXPECT_EQ(nets[5].ssid, "Hidde");
  EXPECT_EQ(nets[5].security, WifiSecurity::kWpa3);
}

}  // namespace
}  // namespace mamori::facts
