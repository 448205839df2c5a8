#include "agent/facts/wifi.h"

#include <algorithm>
#include <map>

namespace mamori::facts {

std::string_view EnumName(WifiSecurity security) {
  switch (security) {
    case WifiSecurity::kUnspecified:
      return "WIFI_SECURITY_UNSPECIFIED";
    case WifiSecurity::kOpen:
      return "WIFI_SECURITY_OPEN";
    case WifiSecurity::kWep:
      return "WIFI_SECURITY_WEP";
    case WifiSecurity::kWpa:
      return "WIFI_SECURITY_WPA";
    case WifiSecurity::kWpa2:
      return "WIFI_SECURITY_WPA2";
    case WifiSecurity::kWpa3:
      return "WIFI_SECURITY_WPA3";
    case WifiSecurity::kOwe:
      return "WIFI_SECURITY_OWE";
  }
  return "";
}

// Strength order for "the weakest accepted" (OWE encrypts but does not
// authenticate: above open, below WEP's shared key in what it proves).
int SecurityStrength(WifiSecurity s) {
  switch (s) {
    case WifiSecurity::kUnspecified:
      return -1;
    case WifiSecurity::kOpen:
      return 0;
    case WifiSecurity::kOwe:
      return 1;
    case WifiSecurity::kWep:
      return 2;
    case WifiSecurity::kWpa:
      return 3;
    case WifiSecurity::kWpa2:
      return 4;
    case WifiSecurity::kWpa3:
      return 5;
  }
  return -1;
}

namespace {

struct KeyMgmt {
  WifiSecurity security = WifiSecurity::kUnspecified;
  bool enterprise = false;
};

// Maps one key-management name (NetworkManager's lower-case or
// wpa_supplicant's upper-case spelling) given whether only WPA (1) is
// allowed and whether static WEP keys are present.
KeyMgmt MapKeyMgmt(std::string_view name, bool wpa1_only, bool has_wep_key) {
  const std::string n = ToLowerAscii(name);
  const WifiSecurity wpa = wpa1_only ? WifiSecurity::kWpa : WifiSecurity::kWpa2;
  if (n == "none") {
    return {has_wep_key ? WifiSecurity::kWep : WifiSecurity::kOpen, false};
  }
  if (n == "ieee8021x") return {WifiSecurity::kWep, true};
  if (n == "wpa-none") return {WifiSecurity::kWpa, false};
  if (n == "wpa-psk" || n == "ft-psk" || n == "wpa-psk-sha256") {
    return {wpa, false};
  }
  if (n == "sae" || n == "ft-sae" || n == "sae-ext-key") {
    return {WifiSecurity::kWpa3, false};
  }
  if (n == "wpa-eap" || n == "ft-eap" || n == "wpa-eap-sha256" ||
      n == "ft-eap-sha384") {
    return {wpa, true};
  }
  if (n == "wpa-eap-suite-b" || n == "wpa-eap-suite-b-192") {
    return {WifiSecurity::kWpa3, true};
  }
  if (n == "owe") return {WifiSecurity::kOwe, false};
  return {};
}

// The weakest of several accepted key managements.
KeyMgmt Weakest(const std::vector<KeyMgmt>& accepted) {
  KeyMgmt out;
  for (const KeyMgmt& k : accepted) {
    if (k.security == WifiSecurity::kUnspecified) continue;
    if (out.security == WifiSecurity::kUnspecified ||
        SecurityStrength(k.security) < SecurityStrength(out.security)) {
      out = k;
    }
  }
  return out;
}

// "ccmp;tkip" or "CCMP TKIP" → "CCMP,TKIP".
std::string Ciphers(std::string_view list) {
  std::string out;
  for (std::string_view part : SplitWhitespace(list)) {
    for (std::string_view c : Split(part, ';')) {
      c = Trim(c);
      if (c.empty()) continue;
      if (!out.empty()) out += ',';
      std::string upper(c);
      std::transform(
          upper.begin(), upper.end(), upper.begin(),
          [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
      out += upper;
    }
  }
  return SanitizeUtf8(out);
}

// NetworkManager writes non-printable SSIDs as "b1;b2;...;".
std::string DecodeNmSsid(const std::string& value) {
  if (value.empty() || value.back() != ';') return SanitizeUtf8(value);
  std::string bytes;
  // A view: Split's parts must not point into a destroyed temporary.
  const std::string_view list =
      std::string_view(value).substr(0, value.size() - 1);
  for (std::string_view part : Split(list, ';')) {
    const std::optional<uint64_t> b = ParseUint64(Trim(part));
    if (!b || *b > 255) return SanitizeUtf8(value);
    bytes += static_cast<char>(*b);
  }
  return SanitizeUtf8(bytes);
}

std::optional<std::string> FirstOf(
    const IniSections& ini, std::initializer_list<std::string_view> sections,
    std::string_view key) {
  for (std::string_view s : sections) {
    if (auto v = IniValue(ini, s, key)) return v;
  }
  return std::nullopt;
}

bool IsTrue(std::string_view v) {
  const std::string l = ToLowerAscii(Trim(v));
  return l == "true" || l == "yes" || l == "1";
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// wpa_supplicant ssid: "quoted text", or hex bytes unquoted.
std::string DecodeWpaSsid(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return SanitizeUtf8(value.substr(1, value.size() - 2));
  }
  if (value.size() >= 3 && value.front() == 'P' && value[1] == '"' &&
      value.back() == '"') {
    return SanitizeUtf8(value.substr(2, value.size() - 3));
  }
  std::string bytes;
  if (value.size() % 2 != 0) return SanitizeUtf8(value);
  for (size_t i = 0; i < value.size(); i += 2) {
    const int hi = HexDigit(value[i]);
    const int lo = HexDigit(value[i + 1]);
    if (hi < 0 || lo < 0) return SanitizeUtf8(value);
    bytes += static_cast<char>(hi * 16 + lo);
  }
  return SanitizeUtf8(bytes);
}

}  // namespace

std::optional<WifiNetwork> NetworkFromKeyfile(const IniSections& keyfile,
                                              std::string_view source) {
  const std::string type =
      ToLowerAscii(IniValue(keyfile, "connection", "type").value_or(""));
  if (type != "wifi" && type != "802-11-wireless") return std::nullopt;
  const std::initializer_list<std::string_view> wifi_sections = {
      "wifi", "802-11-wireless"};
  const std::initializer_list<std::string_view> security_sections = {
      "wifi-security", "802-11-wireless-security"};

  WifiNetwork net;
  net.source = std::string(source);
  net.ssid = DecodeNmSsid(FirstOf(keyfile, wifi_sections, "ssid").value_or(""));
  net.hidden =
      IsTrue(FirstOf(keyfile, wifi_sections, "hidden").value_or("false"));
  net.auto_connect =
      IsTrue(IniValue(keyfile, "connection", "autoconnect").value_or("true"));

  bool has_security_section = false;
  for (std::string_view s : security_sections) {
    if (keyfile.count(std::string(s)) != 0) has_security_section = true;
  }
  if (!has_security_section) {
    net.security = WifiSecurity::kOpen;
    return net;
  }
  const std::string key_mgmt =
      FirstOf(keyfile, security_sections, "key-mgmt").value_or("");
  bool has_wep_key = false;
  for (std::string_view k : {"wep-key0", "wep-key1", "wep-key2", "wep-key3",
                             "wep-key-type", "wep-tx-keyidx"}) {
    if (FirstOf(keyfile, security_sections, k)) has_wep_key = true;
  }
  const std::string proto =
      ToLowerAscii(FirstOf(keyfile, security_sections, "proto").value_or(""));
  const bool wpa1_only = !proto.empty() &&
                         proto.find("rsn") == std::string::npos &&
                         proto.find("wpa") != std::string::npos;
  KeyMgmt k;
  if (key_mgmt.empty()) {
    // NetworkManager requires key-mgmt; a section with only WEP keys is WEP.
    k = {has_wep_key ? WifiSecurity::kWep : WifiSecurity::kUnspecified, false};
  } else {
    k = MapKeyMgmt(Trim(key_mgmt), wpa1_only, /*has_wep_key=*/true);
  }
  net.security = k.security;
  net.enterprise = k.enterprise;
  net.cipher =
      Ciphers(FirstOf(keyfile, security_sections, "pairwise").value_or(""));
  return net;
}

std::vector<WifiNetwork> ParseWpaSupplicant(std::string_view text,
                                            std::string_view source) {
  std::vector<WifiNetwork> out;
  bool in_block = false;
  std::map<std::string, std::string> fields;
  auto finish = [&]() {
    WifiNetwork net;
    net.source = std::string(source);
    net.ssid = DecodeWpaSsid(fields["ssid"]);
    net.hidden = fields["scan_ssid"] == "1";
    net.auto_connect = fields["disabled"] != "1";
    const bool has_wep_key =
        !fields["wep_key0"].empty() || !fields["wep_key1"].empty() ||
        !fields["wep_key2"].empty() || !fields["wep_key3"].empty();
    std::string key_mgmt = fields["key_mgmt"];
    if (key_mgmt.empty()) key_mgmt = "WPA-PSK WPA-EAP";  // the default
    const std::string proto = ToLowerAscii(fields["proto"]);
    const bool wpa1_only = !proto.empty() &&
                           proto.find("rsn") == std::string::npos &&
                           proto.find("wpa2") == std::string::npos &&
                           proto.find("wpa") != std::string::npos;
    const bool has_psk =
        !fields["psk"].empty() || !fields["sae_password"].empty();
    const bool has_eap = !fields["eap"].empty() || !fields["identity"].empty();
    std::vector<KeyMgmt> accepted;
    for (std::string_view name : SplitWhitespace(key_mgmt)) {
      KeyMgmt k = MapKeyMgmt(name, wpa1_only, has_wep_key);
      // Without credentials for a method the profile cannot use it.
      if (k.enterprise && k.security != WifiSecurity::kWep && has_psk &&
          !has_eap) {
        continue;
      }
      if (!k.enterprise &&
          (k.security == WifiSecurity::kWpa ||
           k.security == WifiSecurity::kWpa2 ||
           k.security == WifiSecurity::kWpa3) &&
          has_eap && !has_psk) {
        continue;
      }
      accepted.push_back(k);
    }
    const KeyMgmt k = Weakest(accepted);
    net.security = k.security;
    net.enterprise = k.enterprise;
    net.cipher = Ciphers(fields["pairwise"]);
    out.push_back(std::move(net));
    fields.clear();
  };
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (!in_block) {
      if (StartsWith(line, "network=") || StartsWith(line, "network =")) {
        in_block = true;
      }
      continue;
    }
    if (line == "}") {
      finish();
      in_block = false;
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    fields[std::string(Trim(line.substr(0, eq)))] =
        std::string(Trim(line.substr(eq + 1)));
  }
  if (in_block) finish();
  return out;
}

std::string AdapterState(std::string_view operstate, bool admin_up) {
  if (!admin_up) return "disabled";
  if (Trim(operstate) == "up") return "connected";
  return "disconnected";
}

}  // namespace mamori::facts
