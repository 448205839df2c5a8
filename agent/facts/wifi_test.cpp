#include "agent/facts/wifi.h"

#include <gtest/gtest.h>

namespace mamori::facts {
namespace {

IniSections Wifi(std::map<std::string, std::string> security) {
  IniSections ini;
  ini["connection"]["type"] = "wifi";
  ini["wifi"]["ssid"] = "Net";
  if (!security.empty()) ini["wifi-security"] = std::move(security);
  return ini;
}

TEST(NetworkFromKeyfile, MapsEachKeyManagement) {
  struct Case {
    std::map<std::string, std::string> security;
    WifiSecurity want;
    bool enterprise;
  };
  const Case cases[] = {
      {{}, WifiSecurity::kOpen, false},
      {{{"key-mgmt", "none"}, {"wep-key0", "x"}}, WifiSecurity::kWep, false},
      {{{"wep-key0", "x"}}, WifiSecurity::kWep, false},
      {{{"key-mgmt", "ieee8021x"}}, WifiSecurity::kWep, true},
      {{{"key-mgmt", "wpa-psk"}}, WifiSecurity::kWpa2, false},
      {{{"key-mgmt", "wpa-psk"}, {"proto", "rsn"}}, WifiSecurity::kWpa2, false},
      {{{"key-mgmt", "wpa-psk"}, {"proto", "wpa"}}, WifiSecurity::kWpa, false},
      {{{"key-mgmt", "wpa-psk"}, {"proto", "wpa;rsn;"}},
       WifiSecurity::kWpa2,
       false},
      {{{"key-mgmt", "sae"}}, WifiSecurity::kWpa3, false},
      {{{"key-mgmt", "wpa-eap"}}, WifiSecurity::kWpa2, true},
      {{{"key-mgmt", "wpa-eap-suite-b-192"}}, WifiSecurity::kWpa3, true},
      {{{"key-mgmt", "owe"}}, WifiSecurity::kOwe, false},
      {{{"key-mgmt", "something-new"}}, WifiSecurity::kUnspecified, false},
  };
  for (const Case& c : cases) {
    std::optional<WifiNetwork> n = NetworkFromKeyfile(Wifi(c.security), "f");
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->security, c.want) << EnumName(c.want);
    EXPECT_EQ(n->enterprise, c.enterprise) << EnumName(c.want);
  }
}

TEST(NetworkFromKeyfile, AutoconnectHiddenCipherAndByteSsid) {
  IniSections ini = Wifi({{"key-mgmt", "wpa-psk"}, {"pairwise", "ccmp;tkip;"}});
  EXPECT_TRUE(NetworkFromKeyfile(ini, "f")->auto_connect);  // NM default
  ini["connection"]["autoconnect"] = "false";
  ini["wifi"]["hidden"] = "true";
  ini["wifi"]["ssid"] = "72;105;";
  std::optional<WifiNetwork> n = NetworkFromKeyfile(ini, "/etc/x");
  EXPECT_FALSE(n->auto_connect);
  EXPECT_TRUE(n->hidden);
  EXPECT_EQ(n->ssid, "Hi");
  EXPECT_EQ(n->cipher, "CCMP,TKIP");
  EXPECT_EQ(n->source, "/etc/x");
}

TEST(NetworkFromKeyfile, SkipsOtherConnectionTypes) {
  IniSections ini;
  ini["connection"]["type"] = "ethernet";
  EXPECT_FALSE(NetworkFromKeyfile(ini, "f").has_value());
  EXPECT_FALSE(NetworkFromKeyfile(IniSections{}, "f").has_value());
}

TEST(ParseWpaSupplicant, RatesEveryBlock) {
  const std::vector<WifiNetwork> nets = ParseWpaSupplicant(
      "ctrl_interface=/run/wpa\n"
      "network={\n ssid=\"Open\"\n key_mgmt=NONE\n}\n"
      "network={\n ssid=\"Wep\"\n key_mgmt=NONE\n wep_key0=\"abcde\"\n}\n"
      "network={\n ssid=\"Psk\"\n psk=\"secret\"\n scan_ssid=1\n}\n"
      "network={\n ssid=\"Mixed\"\n key_mgmt=WPA-PSK SAE\n psk=\"s\"\n}\n"
      "network={\n ssid=\"Eap\"\n key_mgmt=WPA-EAP\n eap=PEAP\n disabled=1\n"
      " pairwise=CCMP\n}\n"
      "network={\n ssid=4869\n key_mgmt=SAE\n}\n"
      "network={\n ssid=\"Wpa1\"\n proto=WPA\n psk=\"s\"\n",
      "/etc/wpa_supplicant/wpa_supplicant.conf");
  ASSERT_EQ(nets.size(), 7u);
  EXPECT_EQ(nets[0].security, WifiSecurity::kOpen);
  EXPECT_EQ(nets[1].security, WifiSecurity::kWep);
  EXPECT_EQ(nets[2].security, WifiSecurity::kWpa2);
  EXPECT_FALSE(nets[2].enterprise);  // psk given: the default EAP is unusable
  EXPECT_TRUE(nets[2].hidden);
  EXPECT_TRUE(nets[2].auto_connect);
  EXPECT_EQ(nets[3].security, WifiSecurity::kWpa2);  // weakest of PSK+SAE
  EXPECT_EQ(nets[4].security, WifiSecurity::kWpa2);
  EXPECT_TRUE(nets[4].enterprise);
  EXPECT_FALSE(nets[4].auto_connect);
  EXPECT_EQ(nets[4].cipher, "CCMP");
  EXPECT_EQ(nets[5].ssid, "Hi");
  EXPECT_EQ(nets[5].security, WifiSecurity::kWpa3);
  EXPECT_EQ(nets[6].security,
            WifiSecurity::kWpa);  // unterminated still counted
  EXPECT_EQ(nets[0].source, "/etc/wpa_supplicant/wpa_supplicant.conf");
}

TEST(ParseWpaSupplicant, HostileInputStaysValidUtf8) {
  const std::vector<WifiNetwork> nets = ParseWpaSupplicant(
      "network={\nssid=\"\xff\xfe\"\n}\nnetwork={\nssid=ff\n}\n", "f");
  ASSERT_EQ(nets.size(), 2u);
  EXPECT_TRUE(IsValidUtf8(nets[0].ssid));
  EXPECT_TRUE(IsValidUtf8(nets[1].ssid));
}

TEST(AdapterState, FollowsOperstateAndAdminFlag) {
  EXPECT_EQ(AdapterState("up", true), "connected");
  EXPECT_EQ(AdapterState("dormant", true), "disconnected");
  EXPECT_EQ(AdapterState("up", false), "disabled");
}

}  // namespace
}  // namespace mamori::facts
