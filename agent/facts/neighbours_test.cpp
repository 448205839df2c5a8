// The neighbours family's pure parts: /proc/net/arp from the fixture captured
// in a network namespace (tests/fixtures/neighbours/capture.sh), address and
// MAC text, and FinishNeighbours' filtering, gateway marks, duplicates,
// hostile names and bound.
#include "agent/facts/neighbours.h"

#include <gtest/gtest.h>

#include "common/text.h"

namespace mamori::facts {
namespace {

TEST(Neighbours, ProcNetArpFixture) {
  auto text = ReadFile("tests/fixtures/neighbours/proc_net_arp.txt", 1 << 20);
  ASSERT_TRUE(text.ok()) << text.status().message();
  const std::vector<Neighbour> rows = ParseProcNetArp(*text);
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows[0].ip, "192.0.2.41");
  EXPECT_EQ(rows[0].state, NeighbourState::kIncomplete);
  EXPECT_EQ(rows[0].mac, "");
  EXPECT_EQ(rows[2].ip, "192.0.2.1");
  EXPECT_EQ(rows[2].mac, "00:00:5e:00:53:01");
  EXPECT_EQ(rows[2].state, NeighbourState::kStale);
  EXPECT_EQ(rows[2].interface, "dummy0");
  EXPECT_EQ(rows[4].ip, "192.0.2.30");
  EXPECT_EQ(rows[4].state, NeighbourState::kPermanent);

  NeighbourFacts facts;
  FinishNeighbours(rows, {{"dummy0", "", {"192.0.2.5/24"}, {"192.0.2.1"}}},
                   {"lo"}, &facts);
  // The multicast entry (224.0.0.251, 01:00:5e:…) is no device.
  ASSERT_EQ(facts.neighbours.size(), 6u);
  EXPECT_EQ(facts.total_entries, 6u);
  EXPECT_FALSE(facts.truncated);
  for (const Neighbour& n : facts.neighbours) {
    EXPECT_NE(n.ip, "224.0.0.251");
    EXPECT_EQ(n.gateway, n.ip == "192.0.2.1") << n.ip;
  }
  // One MAC behind two addresses stays two entries: data, not identity.
  int shared = 0;
  for (const Neighbour& n : facts.neighbours) {
    if (n.mac == "3c:22:fb:12:34:56") ++shared;
  }
  EXPECT_EQ(shared, 2);
  ASSERT_EQ(facts.networks.size(), 1u);
  EXPECT_EQ(facts.networks[0].gateways, std::vector<std::string>{"192.0.2.1"});
}

TEST(Neighbours, ProcNetArpSkipsMalformedLines) {
  const std::vector<Neighbour> rows = ParseProcNetArp(
      "IP address HW type Flags HW address Mask Device\n"
      "300.1.1.1 0x1 0x2 00:11:22:33:44:55 * eth0\n"
      "10.0.0.1 0x1 zz 00:11:22:33:44:55 * eth0\n"
      "10.0.0.2 0x1 0x2 00:11:22:33:44 * eth0\n"
      "10.0.0.3 0x1 0x2 00:11:22:33:44:55\n"
      "10.0.0.4 0x1 0x2 00:11:22:33:44:55 * eth0\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].ip, "10.0.0.4");
  EXPECT_EQ(rows[0].mac, "00:11:22:33:44:55");
}

TEST(Neighbours, AddressText) {
  const uint8_t v4[4] = {192, 0, 2, 255};
  EXPECT_EQ(FormatIpv4(v4), "192.0.2.255");
  uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
  v6[15] = 1;
  EXPECT_EQ(FormatIpv6(v6), "2001:db8::1");
  uint8_t ll[16] = {0xfe, 0x80};
  ll[14] = 0x12;
  ll[15] = 0x34;
  EXPECT_EQ(FormatIpv6(ll), "fe80::1234");
  uint8_t mapped[16] = {};
  mapped[10] = mapped[11] = 0xff;
  mapped[12] = 10;
  mapped[15] = 7;
  EXPECT_EQ(FormatIpv6(mapped), "::ffff:10.0.0.7");
  // A single zero group is not compressed (RFC 5952 4.2.2).
  const uint8_t one_zero[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1,
                                0,    1,    0,    1,    0, 1, 0, 1};
  EXPECT_EQ(FormatIpv6(one_zero), "2001:db8:0:1:1:1:1:1");
  const uint8_t mac[6] = {0xAA, 0xbb, 0x0c, 0, 1, 2};
  EXPECT_EQ(FormatMac(mac, 6), "aa:bb:0c:00:01:02");
  EXPECT_EQ(FormatMac(mac, 5), "");
  const uint8_t zero[6] = {};
  EXPECT_EQ(FormatMac(zero, 6), "");
}

TEST(Neighbours, FinishDropsNonDevicesAndDuplicates) {
  std::vector<Neighbour> raw = {
      {"10.0.0.9", "00:11:22:33:44:55", "eth0", NeighbourState::kReachable},
      {"10.0.0.9", "00:11:22:33:44:55", "eth0", NeighbourState::kReachable},
      {"10.0.0.9", "00:11:22:33:44:55", "wlan0", NeighbourState::kStale},
      {"127.0.0.1", "", "lo", NeighbourState::kNoArp},
      {"10.0.0.255", "ff:ff:ff:ff:ff:ff", "eth0", NeighbourState::kPermanent},
      {"ff02::1", "33:33:00:00:00:01", "eth0", NeighbourState::kNoArp},
      {"10.0.0.77", "", "eth0", NeighbourState::kNoArp},
      {"10.0.0.78", "", "eth0", NeighbourState::kIncomplete},
  };
  NeighbourFacts facts;
  FinishNeighbours(raw, {}, {"lo"}, &facts);
  ASSERT_EQ(facts.neighbours.size(), 3u);
  EXPECT_EQ(facts.neighbours[0].interface, "eth0");
  EXPECT_EQ(facts.neighbours[0].ip, "10.0.0.78");  // sorted by address
  EXPECT_EQ(facts.neighbours[1].ip, "10.0.0.9");
  EXPECT_EQ(facts.neighbours[2].interface, "wlan0");
}

TEST(Neighbours, HostileInterfaceNamesAreInertText) {
  std::string name = "eth\xff\xfe<script>alert(1)</script>=cmd|' /C calc'!A0";
  name += std::string(5000, 'x');
  NeighbourFacts facts;
  FinishNeighbours(
      {{"10.0.0.1", "00:11:22:33:44:55", name, NeighbourState::kReachable}},
      {{name, "", {}, {"10.0.0.1"}}}, {}, &facts);
  ASSERT_EQ(facts.neighbours.size(), 1u);
  EXPECT_TRUE(IsValidUtf8(facts.neighbours[0].interface));
  EXPECT_LE(facts.neighbours[0].interface.size(), 256u + 6);
  EXPECT_TRUE(facts.neighbours[0].gateway);
  ASSERT_EQ(facts.networks.size(), 1u);
  EXPECT_EQ(facts.networks[0].interface, facts.neighbours[0].interface);
}

TEST(Neighbours, ThousandsOfEntriesAreBounded) {
  std::vector<Neighbour> raw;
  for (int i = 0; i < 10000; ++i) {
    Neighbour n;
    n.ip = "10." + std::to_string(i / 65536) + "." +
           std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
    n.mac = "02:00:00:00:00:01";  // the same MAC everywhere (proxy ARP)
    n.interface = "eth0";
    n.state = NeighbourState::kStale;
    raw.push_back(n);
  }
  NeighbourFacts facts;
  FinishNeighbours(std::move(raw), {}, {}, &facts);
  EXPECT_EQ(facts.total_entries, 10000u);
  EXPECT_TRUE(facts.truncated);
  EXPECT_EQ(facts.neighbours.size(), kMaxNeighbours);
}

}  // namespace
}  // namespace mamori::facts
