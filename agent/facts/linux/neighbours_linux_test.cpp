// The rtnetlink neighbour dump parser from bytes the kernel produced
// (tests/fixtures/neighbours/capture.sh), damaged copies of them, and the
// gatherer on this machine compared with /proc/net/arp.
#include <gtest/gtest.h>

#include <cstring>

#include "agent/facts/linux/neigh_netlink.h"
#include "agent/facts/neighbours.h"
#include "common/text.h"

namespace mamori::facts {
namespace {

using linux_util::ParseNeighbourDump;

std::string Fixture() {
  auto bytes =
      ReadFile("tests/fixtures/neighbours/rtnetlink_dump.bin", 1 << 20);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? *bytes : std::string();
}

const Neighbour* Find(const std::vector<Neighbour>& list, std::string_view ip) {
  for (const Neighbour& n : list) {
    if (n.ip == ip) return &n;
  }
  return nullptr;
}

TEST(NeighbourDump, KernelBytesToFacts) {
  auto entries = ParseNeighbourDump(Fixture(), {{1, "lo"}, {3, "dummy0"}});
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  EXPECT_EQ(entries->size(), 12u);  // every IPv4 and IPv6 entry
  const Neighbour* gw = Find(*entries, "192.0.2.1");
  ASSERT_NE(gw, nullptr);
  EXPECT_EQ(gw->mac, "00:00:5e:00:53:01");
  EXPECT_EQ(gw->state, NeighbourState::kReachable);
  EXPECT_EQ(gw->interface, "dummy0");
  const Neighbour* failed = Find(*entries, "192.0.2.41");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->state, NeighbourState::kFailed);
  EXPECT_EQ(failed->mac, "");
  ASSERT_NE(Find(*entries, "192.0.2.40"), nullptr);
  EXPECT_EQ(Find(*entries, "192.0.2.40")->state, NeighbourState::kIncomplete);
  EXPECT_EQ(Find(*entries, "192.0.2.30")->state, NeighbourState::kPermanent);
  EXPECT_EQ(Find(*entries, "192.0.2.20")->state, NeighbourState::kStale);
  const Neighbour* router = Find(*entries, "2001:db8::1");
  ASSERT_NE(router, nullptr);
  EXPECT_TRUE(router->router);
  EXPECT_EQ(Find(*entries, "fe80::1234")->mac, "08:00:27:aa:bb:cc");

  NeighbourFacts facts;
  FinishNeighbours(std::move(*entries),
                   {{"dummy0", "", {"192.0.2.5/24"}, {"192.0.2.1"}}}, {"lo"},
                   &facts);
  // Multicast and NOARP entries are gone; incomplete/failed stay as data.
  EXPECT_EQ(facts.total_entries, 8u);
  for (const Neighbour& n : facts.neighbours) {
    EXPECT_NE(n.ip.substr(0, 3), "ff0") << n.ip;
    EXPECT_NE(n.ip, "224.0.0.251");
  }
  EXPECT_TRUE(Find(facts.neighbours, "192.0.2.1")->gateway);
}

TEST(NeighbourDump, UnknownInterfaceIndexIsNamedByNumber) {
  auto entries = ParseNeighbourDump(Fixture(), {});
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(Find(*entries, "192.0.2.1")->interface, "if3");
}

TEST(NeighbourDump, DamagedBytesAreRefusedOrSkippedNeverOverread) {
  const std::string bytes = Fixture();
  ASSERT_GT(bytes.size(), 100u);
  // Cut anywhere: never a crash; without NLMSG_DONE it is DATA_LOSS.
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    auto r = ParseNeighbourDump(std::string_view(bytes).substr(0, cut), {});
    EXPECT_FALSE(r.ok()) << cut;
  }
  // A message length pointing past the end.
  std::string bad = bytes;
  bad[0] = '\xff';
  bad[1] = '\xff';
  EXPECT_EQ(ParseNeighbourDump(bad, {}).status().code(), StatusCode::kDataLoss);
  // Attribute lengths scrambled: entries may be lost, nothing read past.
  std::string scrambled = bytes;
  for (size_t i = 16 + 12; i + 4 < scrambled.size(); i += 37) {
    scrambled[i] = static_cast<char>(0xf0);
  }
  (void)ParseNeighbourDump(scrambled, {});
}

TEST(NeighbourDump, NetlinkErrorIsReported) {
  // nlmsghdr(type NLMSG_ERROR) + nlmsgerr(error = -EPERM) + the request.
  std::string msg(16 + 4 + 16, '\0');
  const uint32_t len = static_cast<uint32_t>(msg.size());
  const uint16_t type = 2;
  const int32_t error = -1;
  std::memcpy(msg.data(), &len, 4);
  std::memcpy(msg.data() + 4, &type, 2);
  std::memcpy(msg.data() + 16, &error, 4);
  auto r = ParseNeighbourDump(msg, {});
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
}

// The live table, read through rtnetlink, holds every complete IPv4 entry
// /proc/net/arp lists at about the same moment (entries can come and go in
// between, so only those present in both reads before and after count).
TEST(NeighbourLive, MatchesProcNetArp) {
  auto before = ReadFile("/proc/net/arp", 1 << 20);
  if (!before.ok()) GTEST_SKIP() << "no /proc/net/arp";
  const NeighbourFacts facts = GatherNeighbours(LiveContext());
  auto after = ReadFile("/proc/net/arp", 1 << 20);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(facts.status.state, CollectionState::kOk) << facts.status.message;
  EXPECT_TRUE(facts.source == "rtnetlink" || facts.source == "proc_net_arp");
  EXPECT_EQ(facts.total_entries >= facts.neighbours.size(), true);
  const auto first = ParseProcNetArp(*before);
  const auto second = ParseProcNetArp(*after);
  for (const Neighbour& a : first) {
    if (a.mac.empty()) continue;
    bool stable = false;
    for (const Neighbour& b : second) {
      stable = stable || (b.ip == a.ip && b.mac == a.mac);
    }
    if (!stable) continue;
    const Neighbour* n = Find(facts.neighbours, a.ip);
    ASSERT_NE(n, nullptr) << a.ip;
    EXPECT_EQ(n->mac, a.mac);
  }
  EXPECT_EQ(GatherNeighbours(RootContext("/tmp")).status.state,
            CollectionState::kUnsupported);
}

}  // namespace
}  // namespace mamori::facts
