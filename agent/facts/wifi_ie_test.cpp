// DecodeBssSecurity on hand-built element bytes. Suite selectors from IEEE
// 802.11-2020 Table 9-149 (ciphers) and 9-151 (AKMs): 00-0F-AC:1 802.1X,
// :2 PSK, :5/:11/:12/:13 enterprise variants, :6 PSK-SHA256, :8 SAE,
// :18 OWE; ciphers :1/:5 WEP, :2 TKIP, :4 CCMP. WPA (version 1) uses
// 00-50-F2:n in a vendor element.
#include "agent/facts/wifi_ie.h"

#include <gtest/gtest.h>

#include <initializer_list>

namespace mamori::facts {
namespace {

using Bytes = std::initializer_list<int>;

std::string B(Bytes bytes) {
  std::string out;
  for (int b : bytes) out += static_cast<char>(b);
  return out;
}

std::string Element(int id, const std::string& body) {
  return B({id, static_cast<int>(body.size())}) + body;
}

std::string Rsn(int type) { return B({0x00, 0x0f, 0xac, type}); }
std::string Wpa(int type) { return B({0x00, 0x50, 0xf2, type}); }

std::string Count(size_t n) {
  return B({static_cast<int>(n & 0xff), static_cast<int>(n >> 8)});
}

// version 1, group, pairwise list, AKM list, capabilities 0.
std::string SuitesBody(const std::string& group,
                       const std::vector<std::string>& pairwise,
                       const std::vector<std::string>& akms) {
  std::string body = B({0x01, 0x00}) + group + Count(pairwise.size());
  for (const std::string& p : pairwise) body += p;
  body += Count(akms.size());
  for (const std::string& a : akms) body += a;
  return body + B({0x00, 0x00});
}

std::string RsnElement(const std::vector<int>& akms,
                       const std::vector<int>& pairwise = {4}, int group = 4) {
  std::vector<std::string> p;
  std::vector<std::string> a;
  for (int c : pairwise) p.push_back(Rsn(c));
  for (int k : akms) a.push_back(Rsn(k));
  return Element(48, SuitesBody(Rsn(group), p, a));
}

std::string WpaElement(const std::vector<int>& akms,
                       const std::vector<int>& pairwise = {2}) {
  std::vector<std::string> p;
  std::vector<std::string> a;
  for (int c : pairwise) p.push_back(Wpa(c));
  for (int k : akms) a.push_back(Wpa(k));
  return Element(221, Wpa(1) + SuitesBody(Wpa(2), p, a));
}

const std::string kSsid = Element(0, "Office");
// Supported rates, DS parameter set: elements every beacon carries.
const std::string kRates = B({0x01, 0x04, 0x82, 0x84, 0x8b, 0x96});
const std::string kDs = B({0x03, 0x01, 0x06});

// A WPA2-Personal RSN element as access points send it, byte for byte:
// version 1, group CCMP, 1 pairwise CCMP, 1 AKM PSK, capabilities 0x000c.
const std::string kWpa2PskRsn =
    B({0x30, 0x14, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00,
       0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x02, 0x0c, 0x00});

TEST(DecodeBssSecurity, OpenAndWepFromThePrivacyBit) {
  const BssSecurity open = DecodeBssSecurity(kSsid + kRates + kDs, false);
  EXPECT_EQ(open.security, WifiSecurity::kOpen) << open.error;
  EXPECT_TRUE(open.error.empty());
  EXPECT_EQ(open.cipher, "");

  const BssSecurity wep = DecodeBssSecurity(kSsid + kRates + kDs, true);
  EXPECT_EQ(wep.security, WifiSecurity::kWep);
  EXPECT_FALSE(wep.enterprise);
  EXPECT_EQ(wep.cipher, "WEP");
}

TEST(DecodeBssSecurity, LiteralWpa2PersonalElement) {
  const BssSecurity s = DecodeBssSecurity(kSsid + kRates + kWpa2PskRsn, true);
  EXPECT_EQ(s.security, WifiSecurity::kWpa2) << s.error;
  EXPECT_FALSE(s.enterprise);
  EXPECT_EQ(s.cipher, "CCMP");
  EXPECT_EQ(s.akm, "PSK");
  // The privacy bit may be unreported: the RSN element decides.
  EXPECT_EQ(DecodeBssSecurity(kSsid + kWpa2PskRsn, std::nullopt).security,
            WifiSecurity::kWpa2);
}

TEST(DecodeBssSecurity, EachAkmSuite) {
  struct Case {
    int akm;
    WifiSecurity want;
    bool enterprise;
    const char* name;
  };
  const Case cases[] = {
      {1, WifiSecurity::kWpa2, true, "802.1X"},
      {2, WifiSecurity::kWpa2, false, "PSK"},
      {3, WifiSecurity::kWpa2, true, "FT-802.1X"},
      {4, WifiSecurity::kWpa2, false, "FT-PSK"},
      {5, WifiSecurity::kWpa2, true, "802.1X-SHA256"},
      {6, WifiSecurity::kWpa2, false, "PSK-SHA256"},
      {8, WifiSecurity::kWpa3, false, "SAE"},
      {9, WifiSecurity::kWpa3, false, "FT-SAE"},
      {11, WifiSecurity::kWpa3, true, "802.1X-SuiteB"},
      {12, WifiSecurity::kWpa3, true, "802.1X-SuiteB-192"},
      {13, WifiSecurity::kWpa3, true, "FT-802.1X-SHA384"},
      {14, WifiSecurity::kWpa2, true, "FILS-SHA256"},
      {18, WifiSecurity::kOwe, false, "OWE"},
      {20, WifiSecurity::kWpa2, false, "PSK-SHA384"},
      {24, WifiSecurity::kWpa3, false, "SAE-EXT-KEY"},
  };
  for (const Case& c : cases) {
    const BssSecurity s = DecodeBssSecurity(kSsid + RsnElement({c.akm}), true);
    EXPECT_EQ(s.security, c.want) << c.name << ": " << s.error;
    EXPECT_EQ(s.enterprise, c.enterprise) << c.name;
    EXPECT_EQ(s.akm, c.name);
    EXPECT_TRUE(s.error.empty()) << c.name;
  }
}

TEST(DecodeBssSecurity, MixedModesReportTheWeakestOffer) {
  // WPA3 transition mode: PSK + SAE → WPA2 personal.
  const BssSecurity transition =
      DecodeBssSecurity(kSsid + RsnElement({2, 8}), true);
  EXPECT_EQ(transition.security, WifiSecurity::kWpa2);
  EXPECT_FALSE(transition.enterprise);
  EXPECT_EQ(transition.akm, "PSK,SAE");
  // Order in the element does not matter.
  EXPECT_EQ(DecodeBssSecurity(kSsid + RsnElement({8, 2}), true).security,
            WifiSecurity::kWpa2);
  // SAE + FT-SAE stays WPA3.
  EXPECT_EQ(DecodeBssSecurity(kSsid + RsnElement({8, 9}), true).security,
            WifiSecurity::kWpa3);
  // Enterprise + personal at the same level → personal.
  const BssSecurity both = DecodeBssSecurity(kSsid + RsnElement({1, 2}), true);
  EXPECT_EQ(both.security, WifiSecurity::kWpa2);
  EXPECT_FALSE(both.enterprise);
  // WPA3-Enterprise 192 + WPA2-Enterprise → WPA2 enterprise.
  const BssSecurity ent = DecodeBssSecurity(kSsid + RsnElement({12, 5}), true);
  EXPECT_EQ(ent.security, WifiSecurity::kWpa2);
  EXPECT_TRUE(ent.enterprise);
}

TEST(DecodeBssSecurity, WpaVersionOneAndWpaWpa2Mixed) {
  const BssSecurity wpa = DecodeBssSecurity(kSsid + WpaElement({2}), true);
  EXPECT_EQ(wpa.security, WifiSecurity::kWpa) << wpa.error;
  EXPECT_FALSE(wpa.enterprise);
  EXPECT_EQ(wpa.cipher, "TKIP");
  EXPECT_EQ(wpa.akm, "WPA-PSK");

  const BssSecurity wpa_eap = DecodeBssSecurity(kSsid + WpaElement({1}), true);
  EXPECT_EQ(wpa_eap.security, WifiSecurity::kWpa);
  EXPECT_TRUE(wpa_eap.enterprise);

  const BssSecurity mixed = DecodeBssSecurity(
      kSsid + RsnElement({2}, {4, 2}, 2) + WpaElement({2}), true);
  EXPECT_EQ(mixed.security, WifiSecurity::kWpa);
  EXPECT_EQ(mixed.cipher, "CCMP,TKIP");
  EXPECT_EQ(mixed.akm, "PSK,WPA-PSK");
}

TEST(DecodeBssSecurity, WepCiphersMakeItWep) {
  // Pairwise WEP-40 or WEP-104 in an RSN element.
  for (int wep : {1, 5}) {
    const BssSecurity s =
        DecodeBssSecurity(kSsid + RsnElement({2}, {4, wep}), true);
    EXPECT_EQ(s.security, WifiSecurity::kWep) << wep;
    EXPECT_EQ(s.cipher, "CCMP,WEP");
  }
  // WEP group cipher: a transition network admitting WEP stations.
  EXPECT_EQ(DecodeBssSecurity(kSsid + RsnElement({8}, {4}, 1), true).security,
            WifiSecurity::kWep);
}

TEST(DecodeBssSecurity, CipherNames) {
  EXPECT_EQ(DecodeBssSecurity(kSsid + RsnElement({8}, {9, 8, 10}), true).cipher,
            "GCMP-256,GCMP,CCMP-256");
  // Pairwise "use group cipher" (00-0F-AC:0) names the group cipher.
  EXPECT_EQ(DecodeBssSecurity(kSsid + RsnElement({2}, {0}, 2), true).cipher,
            "TKIP");
  // A reserved cipher is shown as its selector; the AKM still rates.
  const BssSecurity odd = DecodeBssSecurity(kSsid + RsnElement({2}, {3}), true);
  EXPECT_EQ(odd.cipher, "00-0f-ac:3");
  EXPECT_EQ(odd.security, WifiSecurity::kWpa2);
}

TEST(DecodeBssSecurity, SkipsAkmsThatDoNotAdmitAStation) {
  const BssSecurity s = DecodeBssSecurity(kSsid + RsnElement({21, 8}), true);
  EXPECT_EQ(s.security, WifiSecurity::kWpa3);
  EXPECT_EQ(s.akm, "PASN,SAE");
}

TEST(DecodeBssSecurity, DppIsWpa3Personal) {
  const std::string dpp =
      Element(48, SuitesBody(Rsn(4), {Rsn(4)}, {B({0x50, 0x6f, 0x9a, 0x02})}));
  const BssSecurity s = DecodeBssSecurity(kSsid + dpp, true);
  EXPECT_EQ(s.security, WifiSecurity::kWpa3) << s.error;
  EXPECT_EQ(s.akm, "DPP");
}

TEST(DecodeBssSecurity, MalformedOrUnknownIsNeverRated) {
  const std::string rsn_head = B({0x01, 0x00}) + Rsn(4);
  struct Case {
    const char* what;
    std::string ies;
    std::optional<bool> privacy;
    const char* error_part;
  };
  const Case cases[] = {
      {"empty list", "", true, "no SSID element"},
      {"no SSID", kWpa2PskRsn, true, "no SSID element"},
      {"stray byte", kSsid + kWpa2PskRsn + B({0x30}), true, "1 byte left"},
      {"element too long", kSsid + B({0x30, 0x14, 0x01, 0x00, 0x00, 0x0f}),
       true, "claims 20 bytes, 4 left"},
      {"RSN shorter than version", kSsid + Element(48, B({0x01})), true,
       "shorter than its version"},
      {"RSN version 2", kSsid + Element(48, B({0x02, 0x00}) + Rsn(4)), true,
       "version 2"},
      {"RSN version only", kSsid + Element(48, B({0x01, 0x00})), true,
       "before its group cipher"},
      {"RSN ends after group", kSsid + Element(48, rsn_head), true,
       "before its pairwise cipher count"},
      {"RSN ends after pairwise",
       kSsid + Element(48, rsn_head + Count(1) + Rsn(4)), true,
       "before its AKM suite count"},
      {"zero pairwise",
       kSsid + Element(48, rsn_head + Count(0) + Count(1) + Rsn(2)), true,
       "lists 0 pairwise ciphers"},
      {"zero AKMs",
       kSsid + Element(48, rsn_head + Count(1) + Rsn(4) + Count(0)), true,
       "lists 0 AKM suites"},
      {"huge pairwise count",
       kSsid +
           Element(48, rsn_head + Count(0xffff) + Rsn(4) + Count(1) + Rsn(2)),
       true, "pairwise cipher count 65535 exceeds"},
      {"AKM count past the end",
       kSsid + Element(48, rsn_head + Count(1) + Rsn(4) + Count(2) + Rsn(2)),
       true, "AKM suite count 2 exceeds"},
      {"truncated capabilities",
       kSsid + Element(48, rsn_head + Count(1) + Rsn(4) + Count(1) + Rsn(2) +
                               B({0x0c})),
       true, "capabilities field truncated"},
      {"unknown AKM next to PSK", kSsid + RsnElement({2, 99}), true,
       "AKM suite 00-0f-ac:99"},
      {"vendor AKM",
       kSsid + Element(48, SuitesBody(Rsn(4), {Rsn(4)},
                                      {B({0x00, 0x40, 0x96, 0x00})})),
       true, "AKM suite 00-40-96:0"},
      {"only TDLS and PASN", kSsid + RsnElement({7, 21}), true,
       "no AKM suite that admits"},
      {"WPA element with an RSN AKM",
       kSsid + Element(221, Wpa(1) + SuitesBody(Wpa(2), {Wpa(2)}, {Rsn(2)})),
       true, "WPA element offers AKM suite 00-0f-ac:2"},
      {"two RSN elements", kSsid + kWpa2PskRsn + RsnElement({8}), true,
       "more than one RSN"},
      {"two WPA elements", kSsid + WpaElement({2}) + WpaElement({2}), true,
       "more than one WPA"},
      {"RSN without privacy", kSsid + kWpa2PskRsn, false, "privacy bit"},
      {"no capability, no RSN", kSsid, std::nullopt, "no capability field"},
      {"broken WPA next to good RSN",
       kSsid + kWpa2PskRsn + Element(221, Wpa(1) + B({0x01, 0x00})), true,
       "WPA element ends before its group cipher"},
  };
  for (const Case& c : cases) {
    const BssSecurity s = DecodeBssSecurity(c.ies, c.privacy);
    EXPECT_EQ(s.security, WifiSecurity::kUnspecified) << c.what;
    EXPECT_FALSE(s.enterprise) << c.what;
    EXPECT_NE(s.error.find(c.error_part), std::string::npos)
        << c.what << ": " << s.error;
  }
}

TEST(DecodeBssSecurity, EveryTruncationOfTheRsnBodyIsUnknown) {
  // kWpa2PskRsn's body without the capabilities: 18 bytes. Cut it anywhere
  // before the AKM list ends (fixing the element length so the list stays
  // well-formed) and nothing may be rated.
  const std::string body = kWpa2PskRsn.substr(2, 18);
  for (size_t n = 0; n < body.size(); ++n) {
    const BssSecurity s =
        DecodeBssSecurity(kSsid + Element(48, body.substr(0, n)), true);
    EXPECT_EQ(s.security, WifiSecurity::kUnspecified) << n;
    EXPECT_FALSE(s.error.empty()) << n;
  }
  EXPECT_EQ(DecodeBssSecurity(kSsid + Element(48, body), true).security,
            WifiSecurity::kWpa2);
}

TEST(DecodeBssSecurity, OtherVendorElementsAreIgnored) {
  // WMM (00-50-F2 type 2), a short vendor element, and Microsoft WPS.
  const std::string ies = kSsid + Element(221, Wpa(2) + B({0x00, 0x01})) +
                          Element(221, B({0x00, 0x50, 0xf2})) +
                          Element(221, Wpa(4) + B({0x10, 0x4a})) + kWpa2PskRsn;
  const BssSecurity s = DecodeBssSecurity(ies, true);
  EXPECT_EQ(s.security, WifiSecurity::kWpa2) << s.error;
}

TEST(DecodeBssSecurity, RandomBytesGiveAnErrorOrARatingNeverBoth) {
  // Fixed-seed byte soup around a valid start: every answer is either a
  // rating with no error or kUnspecified with an error.
  uint32_t seed = 12345;
  const auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return static_cast<char>(seed >> 16);
  };
  int rated = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string ies = kSsid + kWpa2PskRsn;
    const size_t cut = static_cast<uint8_t>(next()) % ies.size();
    ies.resize(ies.size() - cut);
    for (int i = 0; i < round % 4; ++i) {
      ies[static_cast<uint8_t>(next()) % ies.size()] = next();
    }
    const BssSecurity s = DecodeBssSecurity(ies, (round & 1) != 0);
    EXPECT_EQ(s.error.empty(), s.security != WifiSecurity::kUnspecified)
        << round << ": " << s.error;
    if (s.error.empty()) ++rated;
  }
  EXPECT_GT(rated, 0);  // the soup still contains decodable elements
}

TEST(SsidFromIes, FindsTheSsidElement) {
  EXPECT_EQ(SsidFromIes(kRates + kSsid + kWpa2PskRsn), "Office");
  EXPECT_EQ(SsidFromIes(Element(0, "")), "");
  EXPECT_FALSE(SsidFromIes(kRates).has_value());
  EXPECT_FALSE(SsidFromIes(kSsid + B({0x30})).has_value());
}

}  // namespace
}  // namespace mamori::facts
