#pragma once

// The `wifi` family: wireless adapters, the current link, and every saved
// profile with its security (open / WEP / WPA / WPA2 / WPA3 / OWE, personal or
// enterprise), cipher, auto-connect and hidden flags.
//
// Linux sources: NetworkManager keyfiles
// (/etc/NetworkManager/system-connections/*.nmconnection and extension-less
// keyfiles there), wpa_supplicant configuration (/etc/wpa_supplicant/*.conf,
// /etc/wpa_supplicant.conf), adapters from /sys/class/net/*/wireless or
// phy80211 (live only), the current link through nl80211 (live only; see
// linux/nl80211_link.h and wifi_ie.h): absent when not associated,
// `current_unknown` + `current_status` when it could not be read.
//
// A profile allowing several key managements is rated by the weakest one it
// accepts (WPA-PSK + SAE transition → WPA2). WPA-PSK/WPA-EAP profiles are
// WPA2 unless their proto allows only WPA (1); NetworkManager and
// wpa_supplicant then also accept WPA (1) networks of the same name, which
// the `cipher` and evidence do not hide.
//
// Status: no adapter on the live system → STATUS_NOT_APPLICABLE (profiles
// are still listed; current_status NOT_APPLICABLE too); under --root
// current_status is UNSUPPORTED (the link is the running kernel's); a profile
// directory that cannot be read → STATUS_PERMISSION_DENIED (NetworkManager
// keyfiles are 0600 root) with what could be read. Parsers are pure and
// thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/ini_sections.h"
#include "agent/facts/types.h"

namespace mamori::facts {

enum class WifiSecurity : int {
  kUnspecified = 0,
  kOpen = 1,
  kWep = 2,
  kWpa = 3,
  kWpa2 = 4,
  kWpa3 = 5,
  kOwe = 6,
};
std::string_view EnumName(WifiSecurity security);

// Strength order for "the weakest accepted": -1 for kUnspecified, then open
// 0 < OWE 1 < WEP 2 < WPA 3 < WPA2 4 < WPA3 5.
int SecurityStrength(WifiSecurity security);

// Mirrors mamori.v1.WifiAdapter.
struct WifiAdapter {
  std::string name;
  std::string description;
  std::string mac;
  std::string state;
};

template <typename V>
void VisitFields(const WifiAdapter& f, V& v) {
  v("name", f.name);
  v("description", f.description);
  v("mac", f.mac);
  v("state", f.state);
}

// Mirrors mamori.v1.WifiNetwork.
struct WifiNetwork {
  std::string ssid;
  WifiSecurity security = WifiSecurity::kUnspecified;
  bool enterprise = false;
  std::string cipher;
  bool auto_connect = false;
  bool hidden = false;
  std::string source;
  std::string interface;
  std::string bssid;
  uint32_t frequency_mhz = 0;
};

template <typename V>
void VisitFields(const WifiNetwork& f, V& v) {
  v("ssid", f.ssid);
  v("security", f.security);
  v("enterprise", f.enterprise);
  v("cipher", f.cipher);
  v("auto_connect", f.auto_connect);
  v("hidden", f.hidden);
  v("source", f.source);
  v("interface", f.interface);
  v("bssid", f.bssid);
  v("frequency_mhz", f.frequency_mhz);
}

// Mirrors mamori.v1.WifiFacts.
struct WifiFacts {
  CollectionStatus status;
  std::vector<WifiAdapter> adapters;
  std::optional<WifiNetwork> current;
  std::vector<WifiNetwork> profiles;
  bool current_unknown = false;
  std::optional<CollectionStatus> current_status;
};

template <typename V>
void VisitFields(const WifiFacts& f, V& v) {
  v("status", f.status);
  v("adapters", f.adapters);
  v("current", f.current);
  v("profiles", f.profiles);
  v("current_unknown", f.current_unknown);
  v("current_status", f.current_status);
}

// Collects the family. Never throws; failures are in `status`.
WifiFacts GatherWifi(const GatherContext& ctx);

// Maps a parsed NetworkManager keyfile to a profile. Returns nullopt when the
// connection is not Wi-Fi ([connection] type other than wifi /
// 802-11-wireless). The SSID may be text or NetworkManager's "b1;b2;..." byte
// list.
std::optional<WifiNetwork> NetworkFromKeyfile(const IniSections& keyfile,
                                              std::string_view source);

// Parses wpa_supplicant configuration text and returns one profile per
// network={...} block, `source` naming the file. Malformed lines inside a
// block are ignored; an unterminated block is still returned.
std::vector<WifiNetwork> ParseWpaSupplicant(std::string_view text,
                                            std::string_view source);

// Returns the adapter state from sysfs operstate and the IFF_UP flag
// ("connected", "disconnected", "disabled").
std::string AdapterState(std::string_view operstate, bool admin_up);

}  // namespace mamori::facts
