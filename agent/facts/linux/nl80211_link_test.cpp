// The current-link logic on hand-built nl80211 answers, and the live client's
// error path on a non-wireless interface (deterministic on any Linux: with or
// without nl80211 in the kernel the answer is an error, never a link).
#include "agent/facts/linux/nl80211_link.h"

#include <gtest/gtest.h>
#include <linux/nl80211.h>
#include <net/if.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <memory>

namespace mamori::facts::linux_util {
namespace {

std::string B(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out += static_cast<char>(b);
  return out;
}

const std::string kSsidIe = B({0x00, 0x04}) + "Home";
// RSN: version 1, group CCMP, pairwise CCMP, AKM list as given.
std::string RsnIe(std::initializer_list<int> akms) {
  std::string body = B(
      {0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04});
  body += B({static_cast<int>(akms.size()), 0x00});
  for (int a : akms) body += B({0x00, 0x0f, 0xac, a});
  return B({0x30, static_cast<int>(body.size())}) + body;
}

Nl80211Bss Bss(std::string bssid, std::optional<uint32_t> status,
               std::string ies, uint16_t capability = 0x0411) {
  Nl80211Bss b;
  b.bssid = std::move(bssid);
  b.status = status;
  b.frequency_mhz = 5180;
  b.capability = capability;
  b.ies = std::move(ies);
  return b;
}

Nl80211Interface Station(std::optional<std::string> ssid) {
  Nl80211Interface i;
  i.iftype = NL80211_IFTYPE_STATION;
  i.ssid = std::move(ssid);
  return i;
}

TEST(LinkFromNl80211, AssociatedBssGivesTheNetwork) {
  const InterfaceLink link = LinkFromNl80211(
      "wlan0", Station("Home"),
      {Bss("aa:aa:aa:aa:aa:01", std::nullopt, kSsidIe + RsnIe({8})),
       Bss("aa:aa:aa:aa:aa:02", NL80211_BSS_STATUS_ASSOCIATED,
           kSsidIe + RsnIe({2}))});
  ASSERT_TRUE(link.network.has_value());
  EXPECT_TRUE(link.problem.empty()) << link.problem;
  EXPECT_EQ(link.network->ssid, "Home");
  EXPECT_EQ(link.network->security, WifiSecurity::kWpa2);
  EXPECT_FALSE(link.network->enterprise);
  EXPECT_EQ(link.network->cipher, "CCMP");
  EXPECT_EQ(link.network->bssid, "aa:aa:aa:aa:aa:02");
  EXPECT_EQ(link.network->interface, "wlan0");
  EXPECT_EQ(link.network->frequency_mhz, 5180u);
  EXPECT_EQ(link.network->source, "nl80211");
}

TEST(LinkFromNl80211, NotAssociatedIsNoLinkAndNoProblem) {
  const InterfaceLink link = LinkFromNl80211(
      "wlan0", Station(std::nullopt),
      {Bss("aa:aa:aa:aa:aa:01", std::nullopt, kSsidIe + RsnIe({2})),
       Bss("aa:aa:aa:aa:aa:02", NL80211_BSS_STATUS_AUTHENTICATED,
           kSsidIe + RsnIe({2}))});
  EXPECT_FALSE(link.network.has_value());
  EXPECT_TRUE(link.problem.empty());
  EXPECT_FALSE(
      LinkFromNl80211("wlan0", Station(std::nullopt), {}).network.has_value());
}

TEST(LinkFromNl80211, SsidWithoutAssociatedBssIsAProblem) {
  const InterfaceLink link = LinkFromNl80211("wlan0", Station("Home"), {});
  EXPECT_FALSE(link.network.has_value());
  EXPECT_NE(link.problem.find("no associated BSS"), std::string::npos)
      << link.problem;
}

TEST(LinkFromNl80211, UndecodableSecurityIsUnspecifiedWithAProblem) {
  // RSN element whose AKM count runs past its end.
  const std::string bad = B(
      {0x30, 0x0a, 0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x05, 0x00, 0x00, 0x0f});
  const InterfaceLink link = LinkFromNl80211(
      "wlan0", Station("Home"),
      {Bss("aa:aa:aa:aa:aa:02", NL80211_BSS_STATUS_ASSOCIATED, kSsidIe + bad)});
  ASSERT_TRUE(link.network.has_value());
  EXPECT_EQ(link.network->security, WifiSecurity::kUnspecified);
  EXPECT_NE(link.problem.find("security not determined"), std::string::npos)
      << link.problem;
  EXPECT_NE(link.problem.find("aa:aa:aa:aa:aa:02"), std::string::npos);

  // No elements at all (the kernel gave none): unknown, not open.
  const InterfaceLink bare = LinkFromNl80211(
      "wlan0", Station("Home"),
      {Bss("aa:aa:aa:aa:aa:02", NL80211_BSS_STATUS_ASSOCIATED, "", 0x0001)});
  ASSERT_TRUE(bare.network.has_value());
  EXPECT_EQ(bare.network->security, WifiSecurity::kUnspecified);
  EXPECT_FALSE(bare.problem.empty());
}

TEST(LinkFromNl80211, OpenAndWepFromTheCapabilityPrivacyBit) {
  const InterfaceLink open = LinkFromNl80211(
      "wlan0", Station("Cafe"),
      {Bss("b", NL80211_BSS_STATUS_ASSOCIATED, kSsidIe, 0x0401)});
  EXPECT_EQ(open.network->security, WifiSecurity::kOpen);
  const InterfaceLink wep = LinkFromNl80211(
      "wlan0", Station("Old"),
      {Bss("b", NL80211_BSS_STATUS_ASSOCIATED, kSsidIe, 0x0411)});
  EXPECT_EQ(wep.network->security, WifiSecurity::kWep);
}

TEST(LinkFromNl80211, SeveralAssociatedLinksGiveTheWeakest) {
  // Multi-link: one link's BSS offers SAE, the other PSK + SAE.
  const InterfaceLink link = LinkFromNl80211(
      "wlan0", Station("Home"),
      {Bss("l1", NL80211_BSS_STATUS_ASSOCIATED, kSsidIe + RsnIe({8})),
       Bss("l2", NL80211_BSS_STATUS_ASSOCIATED, kSsidIe + RsnIe({2, 8}))});
  EXPECT_EQ(link.network->security, WifiSecurity::kWpa2);
  EXPECT_EQ(link.network->bssid, "l2");
}

TEST(LinkFromNl80211, SsidFromElementsAndIbss) {
  Nl80211Interface ibss;
  ibss.iftype = NL80211_IFTYPE_ADHOC;
  const InterfaceLink link = LinkFromNl80211(
      "wlan1", ibss,
      {Bss("c", NL80211_BSS_STATUS_IBSS_JOINED, kSsidIe + RsnIe({2}))});
  ASSERT_TRUE(link.network.has_value());
  EXPECT_EQ(link.network->ssid, "Home");
}

TEST(LinkFromNl80211, AccessPointsHaveNoClientLink) {
  Nl80211Interface ap;
  ap.iftype = NL80211_IFTYPE_AP;
  ap.ssid = "Hotspot";
  const InterfaceLink link = LinkFromNl80211(
      "wlan0", ap,
      {Bss("c", NL80211_BSS_STATUS_ASSOCIATED, kSsidIe + RsnIe({2}))});
  EXPECT_FALSE(link.network.has_value());
  EXPECT_TRUE(link.problem.empty());
}

// Replies built with libnl as the kernel would send them.
using Msg = std::unique_ptr<nl_msg, decltype(&nlmsg_free)>;

Msg Reply(uint8_t cmd) {
  Msg m(nlmsg_alloc(), &nlmsg_free);
  EXPECT_NE(genlmsg_put(m.get(), 0, 0, 0x20, 0, 0, cmd, 1), nullptr);
  return m;
}

TEST(BssFromMessage, ReadsEveryAttribute) {
  Msg m = Reply(NL80211_CMD_NEW_SCAN_RESULTS);
  nla_put_u32(m.get(), NL80211_ATTR_IFINDEX, 3);
  nlattr* nest = nla_nest_start(m.get(), NL80211_ATTR_BSS);
  const std::string mac = B({0x02, 0x11, 0x22, 0x33, 0x44, 0xf5});
  nla_put(m.get(), NL80211_BSS_BSSID, 6, mac.data());
  nla_put_u32(m.get(), NL80211_BSS_FREQUENCY, 2437);
  nla_put_u16(m.get(), NL80211_BSS_CAPABILITY, 0x0431);
  nla_put_u32(m.get(), NL80211_BSS_STATUS, NL80211_BSS_STATUS_ASSOCIATED);
  const std::string ies = kSsidIe + RsnIe({2});
  const std::string beacon = kSsidIe;
  nla_put(m.get(), NL80211_BSS_INFORMATION_ELEMENTS,
          static_cast<int>(ies.size()), ies.data());
  nla_put(m.get(), NL80211_BSS_BEACON_IES, static_cast<int>(beacon.size()),
          beacon.data());
  nla_nest_end(m.get(), nest);

  const std::optional<Nl80211Bss> bss = BssFromMessage(m.get());
  ASSERT_TRUE(bss.has_value());
  EXPECT_EQ(bss->bssid, "02:11:22:33:44:f5");
  EXPECT_EQ(bss->frequency_mhz, 2437u);
  EXPECT_EQ(bss->capability, 0x0431);
  EXPECT_EQ(bss->status, uint32_t{NL80211_BSS_STATUS_ASSOCIATED});
  EXPECT_EQ(bss->ies, ies);  // the information elements, not the beacon's

  const InterfaceLink link = LinkFromNl80211("wlan0", Station("Home"), {*bss});
  ASSERT_TRUE(link.network.has_value());
  EXPECT_EQ(link.network->security, WifiSecurity::kWpa2);
  EXPECT_EQ(link.network->frequency_mhz, 2437u);
}

TEST(BssFromMessage, ShortAttributesAreAbsentAndNoBssIsMalformed) {
  Msg m = Reply(NL80211_CMD_NEW_SCAN_RESULTS);
  nlattr* nest = nla_nest_start(m.get(), NL80211_ATTR_BSS);
  const std::string five = B({1, 2, 3, 4, 5});
  nla_put(m.get(), NL80211_BSS_BSSID, 5, five.data());
  nla_put(m.get(), NL80211_BSS_STATUS, 1, five.data());
  nla_put(m.get(), NL80211_BSS_FREQUENCY, 2, five.data());
  nla_put(m.get(), NL80211_BSS_CAPABILITY, 1, five.data());
  nla_put(m.get(), NL80211_BSS_BEACON_IES, static_cast<int>(kSsidIe.size()),
          kSsidIe.data());
  nla_nest_end(m.get(), nest);
  const std::optional<Nl80211Bss> bss = BssFromMessage(m.get());
  ASSERT_TRUE(bss.has_value());
  EXPECT_EQ(bss->bssid, "");
  EXPECT_FALSE(bss->status.has_value());
  EXPECT_FALSE(bss->frequency_mhz.has_value());
  EXPECT_FALSE(bss->capability.has_value());
  EXPECT_EQ(bss->ies, kSsidIe);  // beacon elements when nothing better

  Msg empty = Reply(NL80211_CMD_NEW_SCAN_RESULTS);
  nla_put_u32(empty.get(), NL80211_ATTR_IFINDEX, 3);
  EXPECT_FALSE(BssFromMessage(empty.get()).has_value());
}

TEST(InterfaceFromMessage, TypeAndSsid) {
  Msg m = Reply(NL80211_CMD_NEW_INTERFACE);
  nla_put_u32(m.get(), NL80211_ATTR_IFINDEX, 3);
  nla_put_u32(m.get(), NL80211_ATTR_IFTYPE, NL80211_IFTYPE_STATION);
  nla_put(m.get(), NL80211_ATTR_SSID, 4, "Home");
  std::optional<Nl80211Interface> i = InterfaceFromMessage(m.get());
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(i->iftype, uint32_t{NL80211_IFTYPE_STATION});
  EXPECT_EQ(i->ssid, "Home");

  Msg bare = Reply(NL80211_CMD_NEW_INTERFACE);
  i = InterfaceFromMessage(bare.get());
  ASSERT_TRUE(i.has_value());
  EXPECT_FALSE(i->iftype.has_value());
  EXPECT_FALSE(i->ssid.has_value());
}

InterfaceLink Connected(WifiSecurity s, const std::string& ssid) {
  InterfaceLink l;
  l.network = WifiNetwork{};
  l.network->ssid = ssid;
  l.network->security = s;
  return l;
}

TEST(ApplyCurrentLinks, NotConnectedIsOkAndKnown) {
  WifiFacts f;
  f.current_unknown = true;
  ApplyCurrentLinks({{"wlan0", InterfaceLink{}}, {"wlan1", InterfaceLink{}}},
                    &f);
  EXPECT_FALSE(f.current.has_value());
  EXPECT_FALSE(f.current_unknown);
  ASSERT_TRUE(f.current_status.has_value());
  EXPECT_EQ(f.current_status->state, CollectionState::kOk);
  EXPECT_EQ(f.current_status->message, "not connected");
}

TEST(ApplyCurrentLinks, TheWeakestAssociatedAdapterIsCurrent) {
  WifiFacts f;
  ApplyCurrentLinks({{"wlan0", Connected(WifiSecurity::kWpa3, "a")},
                     {"wlan1", Connected(WifiSecurity::kWep, "b")},
                     {"wlan2", InterfaceLink{}}},
                    &f);
  ASSERT_TRUE(f.current.has_value());
  EXPECT_EQ(f.current->ssid, "b");
  EXPECT_FALSE(f.current_unknown);
  EXPECT_EQ(f.current_status->state, CollectionState::kOk);
  EXPECT_EQ(f.current_status->message, "");
}

TEST(ApplyCurrentLinks, ReadErrorsAreStatusesNeverALink) {
  WifiFacts f;
  ApplyCurrentLinks(
      {{"wlan0", Result<InterfaceLink>(PermissionDeniedError("GET_SCAN: x"))},
       {"wlan1", InterfaceLink{}}},
      &f);
  EXPECT_FALSE(f.current.has_value());
  EXPECT_TRUE(f.current_unknown);
  EXPECT_EQ(f.current_status->state, CollectionState::kPermissionDenied);
  EXPECT_EQ(f.current_status->message, "wlan0: GET_SCAN: x");

  // A link read on another adapter is still reported, but stays "unknown"
  // as a whole: the failed adapter may be associated too.
  WifiFacts g;
  ApplyCurrentLinks(
      {{"wlan0", Connected(WifiSecurity::kWpa2, "a")},
       {"wlan1", Result<InterfaceLink>(UnavailableError("recv: timeout"))}},
      &g);
  ASSERT_TRUE(g.current.has_value());
  EXPECT_TRUE(g.current_unknown);
  EXPECT_EQ(g.current_status->state, CollectionState::kError);
}

TEST(ApplyCurrentLinks, AnUndecodedLinkIsUnknownAndWinsOverAGoodOne) {
  InterfaceLink bad = Connected(WifiSecurity::kUnspecified, "x");
  bad.problem = "wlan1: associated BSS b: security not determined: ...";
  WifiFacts f;
  ApplyCurrentLinks(
      {{"wlan0", Connected(WifiSecurity::kWpa3, "a")}, {"wlan1", bad}}, &f);
  ASSERT_TRUE(f.current.has_value());
  EXPECT_EQ(f.current->security, WifiSecurity::kUnspecified);
  EXPECT_TRUE(f.current_unknown);
  EXPECT_EQ(f.current_status->state, CollectionState::kError);
  EXPECT_EQ(f.current_status->message, bad.problem);
}

TEST(ReadCurrentLink, NoAdapterIsNotApplicableWithoutASocket) {
  WifiFacts f;
  ReadCurrentLink({}, &f);
  EXPECT_FALSE(f.current.has_value());
  EXPECT_FALSE(f.current_unknown);
  EXPECT_EQ(f.current_status->state, CollectionState::kNotApplicable);
}

// Live kernel: "lo" is never a wireless interface, so whatever this kernel
// has (no generic netlink, no nl80211, or nl80211 refusing a non-wireless
// device) the answer is an error status and no link.
TEST(ReadCurrentLink, NonWirelessInterfaceIsAnErrorNeverALink) {
  WifiFacts f;
  WifiAdapter lo;
  lo.name = "lo";
  ReadCurrentLink({lo}, &f);
  EXPECT_FALSE(f.current.has_value());
  EXPECT_TRUE(f.current_unknown);
  ASSERT_TRUE(f.current_status.has_value());
  EXPECT_NE(f.current_status->state, CollectionState::kOk);
  EXPECT_FALSE(f.current_status->message.empty());
  std::cout << "live nl80211 on lo: " << EnumName(f.current_status->state)
            << ": " << f.current_status->message << "\n";
}

TEST(Nl80211Client, OpensOrSaysWhy) {
  Result<std::unique_ptr<Nl80211Client>> client = Nl80211Client::Open();
  if (!client.ok()) {
    EXPECT_FALSE(client.status().message().empty());
    std::cout << "nl80211 open: " << client.status().ToString() << "\n";
    return;
  }
  const unsigned int lo = if_nametoindex("lo");
  ASSERT_NE(lo, 0u);
  Result<Nl80211Interface> iface = (*client)->GetInterface(lo);
  EXPECT_FALSE(iface.ok());
  std::cout << "GET_INTERFACE lo: " << iface.status().ToString() << "\n";
  // A missing interface index is refused, not answered.
  EXPECT_FALSE((*client)->GetScan(0x7fffffff).ok());
}

}  // namespace
}  // namespace mamori::facts::linux_util
