#include "agent/facts/decode/wlan.h"

#include <gtest/gtest.h>

#include "agent/facts/decode/bitlocker.h"

namespace mamori::facts::win {
namespace {

TEST(Dot11Test, MapsAuthAndCipher) {
  WifiSecurityInfo wpa2 = FromDot11(7, 4);  // RSNA_PSK + CCMP
  EXPECT_EQ(wpa2.security, WifiSecurity::kWpa2);
  EXPECT_FALSE(wpa2.enterprise);
  EXPECT_EQ(wpa2.cipher, "CCMP");
  WifiSecurityInfo ent = FromDot11(6, 4);  // RSNA
  EXPECT_EQ(ent.security, WifiSecurity::kWpa2);
  EXPECT_TRUE(ent.enterprise);
  EXPECT_EQ(FromDot11(9, 8).security, WifiSecurity::kWpa3);
  EXPECT_FALSE(FromDot11(9, 8).enterprise);
  EXPECT_EQ(FromDot11(9, 8).cipher, "GCMP");
  EXPECT_TRUE(FromDot11(11, 9).enterprise);
  EXPECT_EQ(FromDot11(10, 4).security, WifiSecurity::kOwe);
  EXPECT_EQ(FromDot11(1, 0).security, WifiSecurity::kOpen);
  EXPECT_EQ(FromDot11(1, 0).cipher, "");
  EXPECT_EQ(FromDot11(1, 0x101).security, WifiSecurity::kWep);
  EXPECT_EQ(FromDot11(2, 5).security, WifiSecurity::kWep);
  EXPECT_EQ(FromDot11(4, 2).security, WifiSecurity::kWpa);
  EXPECT_EQ(FromDot11(4, 2).cipher, "TKIP");
}

TEST(Dot11Test, UnknownAlgorithmIsUnspecifiedNotOpen) {
  const WifiSecurityInfo ihv = FromDot11(0x80000001u, 4);
  EXPECT_EQ(ihv.security, WifiSecurity::kUnspecified);
  EXPECT_EQ(ihv.cipher, "");
  EXPECT_EQ(FromDot11(0, 0).security, WifiSecurity::kUnspecified);
}

TEST(WlanProfileTest, PersonalWpa2Auto) {
  WlanProfileValues v{"Office",  "社内Wi-Fi", "auto", "false",
                      "WPA2PSK", "AES",       "false"};
  const WifiNetwork n = FromProfile(v);
  EXPECT_EQ(n.ssid, "社内Wi-Fi");
  EXPECT_EQ(n.security, WifiSecurity::kWpa2);
  EXPECT_FALSE(n.enterprise);
  EXPECT_EQ(n.cipher, "CCMP");
  EXPECT_TRUE(n.auto_connect);
  EXPECT_FALSE(n.hidden);
  EXPECT_EQ(n.source, "wlan-profile:Office");
}

TEST(WlanProfileTest, EnterpriseHiddenManual) {
  WlanProfileValues v{"Corp", "CORP", "manual", "true", "WPA2", "AES", "true"};
  const WifiNetwork n = FromProfile(v);
  EXPECT_TRUE(n.enterprise);
  EXPECT_TRUE(n.hidden);
  EXPECT_FALSE(n.auto_connect);
}

TEST(WlanProfileTest, OpenWepSaeOweAndUnknown) {
  EXPECT_EQ(FromProfile({"a", "a", "auto", "", "open", "none", ""}).security,
            WifiSecurity::kOpen);
  const WifiNetwork wep =
      FromProfile({"b", "b", "auto", "", "open", "WEP", "true"});
  EXPECT_EQ(wep.security, WifiSecurity::kWep);
  EXPECT_TRUE(wep.enterprise);  // dynamic WEP with 802.1X
  EXPECT_EQ(FromProfile({"c", "c", "auto", "", "WPA3SAE", "AES", ""}).security,
            WifiSecurity::kWpa3);
  EXPECT_EQ(FromProfile({"d", "d", "auto", "", "OWE", "AES", ""}).security,
            WifiSecurity::kOwe);
  EXPECT_EQ(
      FromProfile({"e", "e", "auto", "", "WPA3ENT192", "GCMP256", ""}).cipher,
      "GCMP-256");
  EXPECT_EQ(
      FromProfile({"f", "f", "auto", "", "FutureAuth", "AES", ""}).security,
      WifiSecurity::kUnspecified);
}

TEST(BitLockerTest, States) {
  EXPECT_EQ(BitLockerState(1, 1), EncryptionState::kEncrypted);
  EXPECT_EQ(BitLockerState(1, 0), EncryptionState::kSuspended);
  EXPECT_EQ(BitLockerState(1, 2), EncryptionState::kUnspecified);
  EXPECT_EQ(BitLockerState(0, 0), EncryptionState::kNotEncrypted);
  EXPECT_EQ(BitLockerState(2, 0), EncryptionState::kEncrypting);
  EXPECT_EQ(BitLockerState(4, 0), EncryptionState::kEncrypting);
  EXPECT_EQ(BitLockerState(5, 0), EncryptionState::kDecrypting);
  EXPECT_EQ(BitLockerState(std::nullopt, 1), EncryptionState::kUnspecified);
  EXPECT_EQ(BitLockerState(9, 1), EncryptionState::kUnspecified);
  EXPECT_EQ(BitLockerMethod(7), "XtsAes256");
  EXPECT_EQ(BitLockerMethod(0), "");
  EXPECT_EQ(FirewallActionFromNetFw(0), FirewallAction::kDrop);
  EXPECT_EQ(FirewallActionFromNetFw(1), FirewallAction::kAccept);
  EXPECT_EQ(FirewallActionFromNetFw(7), FirewallAction::kUnspecified);
}

}  // namespace
}  // namespace mamori::facts::win
