// GetIpNetTable2 rows → Neighbour, natively and under Wine.
#include "agent/facts/decode/ip_neighbour.h"

#include <gtest/gtest.h>

namespace mamori::facts::win {
namespace {

IpNetRow V4(uint8_t last, int state) {
  IpNetRow r;
  r.family = kWinAfInet;
  r.address[0] = 192;
  r.address[1] = 168;
  r.address[2] = 1;
  r.address[3] = last;
  const uint8_t mac[6] = {0x3c, 0x22, 0xfb, 0x12, 0x34, last};
  std::copy(mac, mac + 6, r.physical_address);
  r.physical_address_length = 6;
  r.state = state;
  return r;
}

TEST(IpNeighbour, States) {
  EXPECT_EQ(StateFromNlState(0), NeighbourState::kFailed);
  EXPECT_EQ(StateFromNlState(1), NeighbourState::kIncomplete);
  EXPECT_EQ(StateFromNlState(2), NeighbourState::kProbe);
  EXPECT_EQ(StateFromNlState(3), NeighbourState::kDelay);
  EXPECT_EQ(StateFromNlState(4), NeighbourState::kStale);
  EXPECT_EQ(StateFromNlState(5), NeighbourState::kReachable);
  EXPECT_EQ(StateFromNlState(6), NeighbourState::kPermanent);
  EXPECT_EQ(StateFromNlState(7), NeighbourState::kUnspecified);
  EXPECT_EQ(StateFromNlState(-1), NeighbourState::kUnspecified);
}

TEST(IpNeighbour, ReachableIpv4Row) {
  auto n = DecodeIpNetRow(V4(20, 5));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->ip, "192.168.1.20");
  EXPECT_EQ(n->mac, "3c:22:fb:12:34:14");
  EXPECT_EQ(n->state, NeighbourState::kReachable);
  EXPECT_FALSE(n->router);
}

TEST(IpNeighbour, IncompleteAndUnreachableRowsHaveNoMac) {
  auto incomplete = DecodeIpNetRow(V4(21, 1));
  ASSERT_TRUE(incomplete.has_value());
  EXPECT_EQ(incomplete->mac, "");
  IpNetRow r = V4(22, 4);
  r.is_unreachable = true;
  auto unreachable = DecodeIpNetRow(r);
  ASSERT_TRUE(unreachable.has_value());
  EXPECT_EQ(unreachable->state, NeighbourState::kFailed);
  EXPECT_EQ(unreachable->mac, "");
}

TEST(IpNeighbour, Ipv6RouterRow) {
  IpNetRow r;
  r.family = kWinAfInet6;
  r.address[0] = 0xfe;
  r.address[1] = 0x80;
  r.address[15] = 1;
  const uint8_t mac[6] = {0, 0, 0x5e, 0, 0x53, 1};
  std::copy(mac, mac + 6, r.physical_address);
  r.physical_address_length = 6;
  r.state = 4;
  r.is_router = true;
  auto n = DecodeIpNetRow(r);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->ip, "fe80::1");
  EXPECT_TRUE(n->router);
  EXPECT_EQ(n->mac, "00:00:5e:00:53:01");
}

TEST(IpNeighbour, OddRowsAreBounded) {
  IpNetRow r = V4(30, 5);
  r.physical_address_length = 0xffffffff;  // never read past the buffer
  auto n = DecodeIpNetRow(r);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->mac, "");
  r.family = 99;
  EXPECT_FALSE(DecodeIpNetRow(r).has_value());
}

}  // namespace
}  // namespace mamori::facts::win
