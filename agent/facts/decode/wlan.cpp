#include "agent/facts/decode/wlan.h"

#include "common/text.h"

namespace mamori::facts::win {

namespace {

// windot11.h DOT11_CIPHER_ALGORITHM.
std::string CipherName(uint32_t cipher) {
  switch (cipher) {
    case 0x01:  // WEP40
    case 0x05:  // WEP104
    case 0x101:
      return "WEP";
    case 0x02:
      return "TKIP";
    case 0x04:
      return "CCMP";
    case 0x08:
      return "GCMP";
    case 0x09:
      return "GCMP-256";
    case 0x0a:
      return "CCMP-256";
    default:
      return "";
  }
}

bool IsWepCipher(uint32_t cipher) {
  return cipher == 0x01 || cipher == 0x05 || cipher == 0x101;
}

}  // namespace

WifiSecurityInfo FromDot11(uint32_t auth_algorithm, uint32_t cipher_algorithm) {
  WifiSecurityInfo out;
  out.cipher = CipherName(cipher_algorithm);
  switch (auth_algorithm) {
    case 1:  // 80211_OPEN: open system, possibly with static WEP
      out.security = IsWepCipher(cipher_algorithm) ? WifiSecurity::kWep
                                                   : WifiSecurity::kOpen;
      break;
    case 2:  // 80211_SHARED_KEY
      out.security = WifiSecurity::kWep;
      break;
    case 3:  // WPA (802.1X)
      out.security = WifiSecurity::kWpa;
      out.enterprise = true;
      break;
    case 4:  // WPA_PSK
    case 5:  // WPA_NONE (ad hoc)
      out.security = WifiSecurity::kWpa;
      break;
    case 6:  // RSNA (WPA2-Enterprise)
      out.security = WifiSecurity::kWpa2;
      out.enterprise = true;
      break;
    case 7:  // RSNA_PSK
      out.security = WifiSecurity::kWpa2;
      break;
    case 8:   // WPA3 (Enterprise 192-bit)
    case 11:  // WPA3_ENT
      out.security = WifiSecurity::kWpa3;
      out.enterprise = true;
      break;
    case 9:  // WPA3_SAE
      out.security = WifiSecurity::kWpa3;
      break;
    case 10:  // OWE
      out.security = WifiSecurity::kOwe;
      break;
    default:
      out.cipher.clear();
      break;
  }
  return out;
}

WifiNetwork FromProfile(const WlanProfileValues& profile) {
  WifiNetwork n;
  n.ssid = profile.ssid;
  n.source = "wlan-profile:" + profile.name;
  n.auto_connect = EqualsIgnoreCaseAscii(profile.connection_mode, "auto");
  n.hidden = EqualsIgnoreCaseAscii(profile.non_broadcast, "true");
  const std::string auth = ToLowerAscii(profile.authentication);
  const std::string enc = ToLowerAscii(profile.encryption);
  const bool one_x = EqualsIgnoreCaseAscii(profile.use_one_x, "true");
  if (auth == "open") {
    // Open + WEP is static WEP; open + WEP + 802.1X is dynamic WEP.
    n.security = enc == "wep" ? WifiSecurity::kWep : WifiSecurity::kOpen;
    n.enterprise = enc == "wep" && one_x;
  } else if (auth == "shared") {
    n.security = WifiSecurity::kWep;
  } else if (auth == "wpa" || auth == "wpapsk") {
    n.security = WifiSecurity::kWpa;
    n.enterprise = auth == "wpa";
  } else if (auth == "wpa2" || auth == "wpa2psk") {
    n.security = WifiSecurity::kWpa2;
    n.enterprise = auth == "wpa2";
  } else if (auth == "wpa3" || auth == "wpa3ent192" || auth == "wpa3ent") {
    n.security = WifiSecurity::kWpa3;
    n.enterprise = true;
  } else if (auth == "wpa3sae") {
    n.security = WifiSecurity::kWpa3;
  } else if (auth == "owe") {
    n.security = WifiSecurity::kOwe;
  }
  if (enc == "aes") {
    n.cipher = "CCMP";
  } else if (enc == "tkip") {
    n.cipher = "TKIP";
  } else if (enc == "wep") {
    n.cipher = "WEP";
  } else if (enc == "gcmp") {
    n.cipher = "GCMP";
  } else if (enc == "gcmp256") {
    n.cipher = "GCMP-256";
  }
  return n;
}

}  // namespace mamori::facts::win
