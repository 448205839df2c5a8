#pragma once

// WLAN API values → WifiNetwork security. Two inputs: the DOT11 auth/cipher
// enums of the current connection (WlanQueryInterface) and the values of a
// saved profile's XML (WLAN_profile schema: authEncryption/authentication,
// encryption, useOneX; connectionMode; SSIDConfig/nonBroadcast). The XML is
// parsed in windows/wifi.cpp with XmlLite; this mapping is pure and is tested
// on Linux and under Wine. Thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/facts/wifi.h"

namespace mamori::facts::win {

struct WifiSecurityInfo {
  WifiSecurity security = WifiSecurity::kUnspecified;
  bool enterprise = false;
  // "CCMP", "TKIP", "GCMP", "GCMP-256", "CCMP-256", "WEP"; "" for none or
  // unknown.
  std::string cipher;
};

// DOT11_AUTH_ALGORITHM + DOT11_CIPHER_ALGORITHM numbers (windot11.h) of a
// connection. Unknown algorithms (including IHV ones) → kUnspecified.
WifiSecurityInfo FromDot11(uint32_t auth_algorithm, uint32_t cipher_algorithm);

// The profile values as they appear in the XML.
struct WlanProfileValues {
  std::string name;             // WLANProfile/name
  std::string ssid;             // SSIDConfig/SSID/name
  std::string connection_mode;  // "auto" / "manual"
  std::string non_broadcast;    // "true" / "false" / ""
  std::string authentication;   // "open", "shared", "WPA", "WPAPSK", "WPA2",
                                // "WPA2PSK", "WPA3", "WPA3SAE", "WPA3ENT192",
                                // "WPA3ENT", "OWE"
  std::string encryption;       // "none", "WEP", "TKIP", "AES", "GCMP",
                                // "GCMP256"
  std::string use_one_x;        // "true" / "false" / ""
};

// Returns the network a saved profile describes: SSID, security (unknown
// authentication values → kUnspecified), enterprise, cipher, auto_connect
// (connectionMode "auto"), hidden (nonBroadcast "true"), source
// "wlan-profile:<name>". Value comparisons ignore ASCII case.
WifiNetwork FromProfile(const WlanProfileValues& profile);

}  // namespace mamori::facts::win
