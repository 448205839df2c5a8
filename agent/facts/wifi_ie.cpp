#include "agent/facts/wifi_ie.h"

#include <cstdio>
#include <vector>

#include "common/text.h"

namespace mamori::facts {

namespace {

constexpr uint8_t kSsidId = 0;
constexpr uint8_t kRsnId = 48;
constexpr uint8_t kVendorId = 221;

// A suite selector as OUI << 8 | type: 00-0F-AC:2 → 0x000fac02.
constexpr uint32_t kRsnOui = 0x000fac;
constexpr uint32_t kWpaOui = 0x0050f2;
constexpr uint32_t kWfaOui = 0x506f9a;

constexpr uint32_t Suite(uint32_t oui, uint8_t type) { return oui << 8 | type; }

struct Element {
  uint8_t id = 0;
  std::string_view body;
};

// Splits `ies` into elements; false with `error` set when a length runs past
// the data or a lone byte is left over.
bool SplitElements(std::string_view ies, std::vector<Element>* out,
                   std::string* error) {
  size_t pos = 0;
  while (pos < ies.size()) {
    if (ies.size() - pos < 2) {
      *error = "element list truncated: 1 byte left at offset " +
               std::to_string(pos);
      return false;
    }
    const auto id = static_cast<uint8_t>(ies[pos]);
    const auto len = static_cast<uint8_t>(ies[pos + 1]);
    if (ies.size() - pos - 2 < len) {
      *error = "element " + std::to_string(id) + " at offset " +
               std::to_string(pos) + " claims " + std::to_string(len) +
               " bytes, " + std::to_string(ies.size() - pos - 2) + " left";
      return false;
    }
    out->push_back({id, ies.substr(pos + 2, len)});
    pos += 2 + size_t{len};
  }
  return true;
}

bool IsWpaElement(const Element& e) {
  return e.id == kVendorId && e.body.size() >= 4 &&
         static_cast<uint8_t>(e.body[0]) == 0x00 &&
         static_cast<uint8_t>(e.body[1]) == 0x50 &&
         static_cast<uint8_t>(e.body[2]) == 0xf2 &&
         static_cast<uint8_t>(e.body[3]) == 0x01;
}

// Little-endian fields and big-endian suite selectors, bounds-checked.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  size_t left() const { return data_.size() - pos_; }
  bool U16(uint16_t* v) {
    if (left() < 2) return false;
    *v = static_cast<uint16_t>(Byte(0) | Byte(1) << 8);
    pos_ += 2;
    return true;
  }
  bool Selector(uint32_t* v) {
    if (left() < 4) return false;
    *v = Byte(0) << 24 | Byte(1) << 16 | Byte(2) << 8 | Byte(3);
    pos_ += 4;
    return true;
  }

 private:
  uint32_t Byte(size_t i) const {
    return static_cast<uint8_t>(data_[pos_ + i]);
  }
  std::string_view data_;
  size_t pos_ = 0;
};

struct Suites {
  uint32_t group = 0;
  std::vector<uint32_t> pairwise;
  std::vector<uint32_t> akm;
};

bool ReadList(Reader* r, std::string_view what, std::string_view list,
              std::vector<uint32_t>* out, std::string* error) {
  uint16_t count = 0;
  if (!r->U16(&count)) {
    *error = std::string(what) + " element ends before its " +
             std::string(list) + " count (defaults are not assumed)";
    return false;
  }
  if (count == 0) {
    *error = std::string(what) + " element lists 0 " + std::string(list) + "s";
    return false;
  }
  if (size_t{count} * 4 > r->left()) {
    *error = std::string(what) + " element " + std::string(list) + " count " +
             std::to_string(count) + " exceeds the element (" +
             std::to_string(r->left()) + " bytes left)";
    return false;
  }
  for (uint16_t i = 0; i < count; ++i) {
    uint32_t s = 0;
    r->Selector(&s);  // cannot fail: checked above
    out->push_back(s);
  }
  return true;
}

// Parses version, group cipher, pairwise list, AKM list and the optional
// 2-byte capabilities of an RSN element body or a WPA element body after its
// OUI and type. Later fields (PMKIDs, group management cipher) are not used.
bool ParseSuites(std::string_view body, std::string_view what, Suites* out,
                 std::string* error) {
  Reader r(body);
  uint16_t version = 0;
  if (!r.U16(&version)) {
    *error = std::string(what) + " element shorter than its version field";
    return false;
  }
  if (version != 1) {
    *error = std::string(what) + " element version " + std::to_string(version) +
             " (only 1 is defined)";
    return false;
  }
  if (!r.Selector(&out->group)) {
    *error = std::string(what) +
             " element ends before its group cipher (defaults are not "
             "assumed)";
    return false;
  }
  if (!ReadList(&r, what, "pairwise cipher", &out->pairwise, error) ||
      !ReadList(&r, what, "AKM suite", &out->akm, error)) {
    return false;
  }
  if (r.left() == 1) {
    *error = std::string(what) + " element capabilities field truncated";
    return false;
  }
  return true;
}

std::string SelectorText(uint32_t s) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%02x-%02x-%02x:%u", s >> 24 & 0xff,
                s >> 16 & 0xff, s >> 8 & 0xff, s & 0xff);
  return buf;
}

bool IsWep(uint32_t cipher) {
  return cipher == Suite(kRsnOui, 1) || cipher == Suite(kRsnOui, 5) ||
         cipher == Suite(kWpaOui, 1) || cipher == Suite(kWpaOui, 5);
}

std::string CipherName(uint32_t cipher, uint32_t group) {
  const uint32_t oui = cipher >> 8;
  if (oui != kRsnOui && oui != kWpaOui) return SelectorText(cipher);
  switch (cipher & 0xff) {
    case 0:  // "use the group cipher"
      return group == cipher ? SelectorText(cipher) : CipherName(group, group);
    case 1:
    case 5:
      return "WEP";
    case 2:
      return "TKIP";
    case 4:
      return "CCMP";
    default:
      break;
  }
  if (oui == kRsnOui) {
    switch (cipher & 0xff) {
      case 8:
        return "GCMP";
      case 9:
        return "GCMP-256";
      case 10:
        return "CCMP-256";
      default:
        break;
    }
  }
  return SelectorText(cipher);
}

struct Akm {
  enum class Kind { kAdmits, kSkip, kUnknown };
  Kind kind = Kind::kUnknown;
  WifiSecurity security = WifiSecurity::kUnspecified;
  bool enterprise = false;
  std::string name;
};

Akm Admits(WifiSecurity s, bool enterprise, std::string name) {
  return {Akm::Kind::kAdmits, s, enterprise, std::move(name)};
}

Akm RsnAkm(uint32_t suite) {
  using S = WifiSecurity;
  if (suite == Suite(kWfaOui, 2)) return Admits(S::kWpa3, false, "DPP");
  if (suite >> 8 != kRsnOui) return {Akm::Kind::kUnknown, {}, false, {}};
  switch (suite & 0xff) {
    case 1:
      return Admits(S::kWpa2, true, "802.1X");
    case 2:
      return Admits(S::kWpa2, false, "PSK");
    case 3:
      return Admits(S::kWpa2, true, "FT-802.1X");
    case 4:
      return Admits(S::kWpa2, false, "FT-PSK");
    case 5:
      return Admits(S::kWpa2, true, "802.1X-SHA256");
    case 6:
      return Admits(S::kWpa2, false, "PSK-SHA256");
    case 7:
      return {Akm::Kind::kSkip, {}, false, "TDLS"};
    case 8:
      return Admits(S::kWpa3, false, "SAE");
    case 9:
      return Admits(S::kWpa3, false, "FT-SAE");
    case 10:
      return {Akm::Kind::kSkip, {}, false, "APPeerKey"};
    case 11:
      return Admits(S::kWpa3, true, "802.1X-SuiteB");
    case 12:
      return Admits(S::kWpa3, true, "802.1X-SuiteB-192");
    case 13:
      return Admits(S::kWpa3, true, "FT-802.1X-SHA384");
    case 14:
      return Admits(S::kWpa2, true, "FILS-SHA256");
    case 15:
      return Admits(S::kWpa2, true, "FILS-SHA384");
    case 16:
      return Admits(S::kWpa2, true, "FT-FILS-SHA256");
    case 17:
      return Admits(S::kWpa2, true, "FT-FILS-SHA384");
    case 18:
      return Admits(S::kOwe, false, "OWE");
    case 19:
      return Admits(S::kWpa2, false, "FT-PSK-SHA384");
    case 20:
      return Admits(S::kWpa2, false, "PSK-SHA384");
    case 21:
      return {Akm::Kind::kSkip, {}, false, "PASN"};
    case 23:
      return Admits(S::kWpa2, true, "802.1X-SHA384");
    case 24:
      return Admits(S::kWpa3, false, "SAE-EXT-KEY");
    case 25:
      return Admits(S::kWpa3, false, "FT-SAE-EXT-KEY");
    default:
      return {Akm::Kind::kUnknown, {}, false, {}};
  }
}

Akm WpaAkm(uint32_t suite) {
  if (suite == Suite(kWpaOui, 1)) {
    return Admits(WifiSecurity::kWpa, true, "WPA-802.1X");
  }
  if (suite == Suite(kWpaOui, 2)) {
    return Admits(WifiSecurity::kWpa, false, "WPA-PSK");
  }
  return {Akm::Kind::kUnknown, {}, false, {}};
}

struct Offer {
  WifiSecurity security = WifiSecurity::kUnspecified;
  bool enterprise = false;
};

// True when `a` is weaker than `b`: lower strength, or personal against
// enterprise at the same strength.
bool Weaker(const Offer& a, const Offer& b) {
  const int sa = SecurityStrength(a.security);
  const int sb = SecurityStrength(b.security);
  if (sa != sb) return sa < sb;
  return !a.enterprise && b.enterprise;
}

void AppendUnique(std::string* list, const std::string& item) {
  for (std::string_view part : Split(*list, ',')) {
    if (part == item) return;
  }
  if (!list->empty()) *list += ',';
  *list += item;
}

// Adds the offers of one parsed element; false with `error` on an AKM this
// table does not know or none that admits a station.
bool Rate(const Suites& suites, std::string_view what, bool wpa_element,
          std::vector<Offer>* offers, BssSecurity* out, std::string* error) {
  bool admits = false;
  for (uint32_t suite : suites.akm) {
    const Akm akm = wpa_element ? WpaAkm(suite) : RsnAkm(suite);
    if (akm.kind == Akm::Kind::kUnknown) {
      *error = std::string(what) + " element offers AKM suite " +
               SelectorText(suite) + ", which this agent does not know";
      return false;
    }
    AppendUnique(&out->akm, akm.name);
    if (akm.kind == Akm::Kind::kSkip) continue;
    admits = true;
    offers->push_back({akm.security, akm.enterprise});
  }
  if (!admits) {
    *error = std::string(what) +
             " element offers no AKM suite that admits a station (" + out->akm +
             ")";
    return false;
  }
  bool wep = IsWep(suites.group);
  for (uint32_t c : suites.pairwise) {
    wep = wep || IsWep(c);
    AppendUnique(&out->cipher, CipherName(c, suites.group));
  }
  if (wep) offers->push_back({WifiSecurity::kWep, false});
  return true;
}

BssSecurity Failed(std::string error) {
  BssSecurity out;
  out.error = std::move(error);
  return out;
}

}  // namespace

BssSecurity DecodeBssSecurity(std::string_view ies,
                              std::optional<bool> privacy) {
  std::vector<Element> elements;
  std::string error;
  if (!SplitElements(ies, &elements, &error)) return Failed(error);
  const Element* rsn = nullptr;
  const Element* wpa = nullptr;
  bool has_ssid = false;
  for (const Element& e : elements) {
    if (e.id == kSsidId) has_ssid = true;
    if (e.id == kRsnId) {
      if (rsn != nullptr) return Failed("more than one RSN element");
      rsn = &e;
    }
    if (IsWpaElement(e)) {
      if (wpa != nullptr) return Failed("more than one WPA element");
      wpa = &e;
    }
  }
  if (!has_ssid) {
    return Failed(
        "no SSID element: not the body of a beacon or probe response");
  }

  BssSecurity out;
  if (rsn == nullptr && wpa == nullptr) {
    if (!privacy.has_value()) {
      return Failed("no RSN or WPA element and no capability field");
    }
    out.security = *privacy ? WifiSecurity::kWep : WifiSecurity::kOpen;
    if (*privacy) out.cipher = "WEP";
    return out;
  }
  if (privacy.has_value() && !*privacy) {
    return Failed("RSN or WPA element on a BSS without the privacy bit");
  }

  std::vector<Offer> offers;
  if (rsn != nullptr) {
    Suites suites;
    if (!ParseSuites(rsn->body, "RSN", &suites, &error) ||
        !Rate(suites, "RSN", /*wpa_element=*/false, &offers, &out, &error)) {
      return Failed(error);
    }
  }
  if (wpa != nullptr) {
    Suites suites;
    if (!ParseSuites(wpa->body.substr(4), "WPA", &suites, &error) ||
        !Rate(suites, "WPA", /*wpa_element=*/true, &offers, &out, &error)) {
      return Failed(error);
    }
  }
  Offer weakest = offers.front();  // Rate() added at least one
  for (const Offer& o : offers) {
    if (Weaker(o, weakest)) weakest = o;
  }
  out.security = weakest.security;
  out.enterprise = weakest.enterprise;
  return out;
}

std::optional<std::string> SsidFromIes(std::string_view ies) {
  std::vector<Element> elements;
  std::string error;
  if (!SplitElements(ies, &elements, &error)) return std::nullopt;
  for (const Element& e : elements) {
    if (e.id == kSsidId) return std::string(e.body);
  }
  return std::nullopt;
}

}  // namespace mamori::facts
