#include "agent/facts/network.h"

#include <gtest/gtest.h>

#include "common/text.h"

namespace mamori::facts {
namespace {

const std::string kDir = "tests/fixtures/linux/network/";

TEST(ParseProcNetRoute, DefaultRoutesByMetric) {
  Result<std::string> text = ReadFile(kDir + "route");
  ASSERT_TRUE(text.ok());
  const auto routes = ParseProcNetRoute(*text);
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].interface, "eth0");
  EXPECT_EQ(routes[0].gateway, "192.0.2.1");
  EXPECT_EQ(routes[1].interface, "wlan0");
  EXPECT_EQ(routes[1].gateway, "192.168.10.1");
}

TEST(ParseProcNetIpv6Route, DefaultViaGatewaySkipsLoopback) {
  Result<std::string> text = ReadFile(kDir + "ipv6_route");
  ASSERT_TRUE(text.ok());
  const auto routes = ParseProcNetIpv6Route(*text);
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].interface, "eth0");
  EXPECT_EQ(routes[0].gateway, "fd00::1");
}

TEST(ParseResolvConf, ServersAndLastSearch) {
  const auto conf = ParseResolvConf(
      "# generated\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n"
      "domain old.example\nsearch corp.example.jp example.jp\n; x\n"
      "nameserver\n");
  EXPECT_EQ(conf.servers,
            (std::vector<std::string>{"192.0.2.53", "2001:db8::53"}));
  EXPECT_EQ(conf.search,
            (std::vector<std::string>{"corp.example.jp", "example.jp"}));
}

TEST(ClassifyInterface, Priority) {
  EXPECT_EQ(ClassifyInterface({true, false, true}), InterfaceKind::kLoopback);
  EXPECT_EQ(ClassifyInterface({false, true, false}), InterfaceKind::kWireless);
  EXPECT_EQ(ClassifyInterface({false, false, true}), InterfaceKind::kVirtual);
  EXPECT_EQ(ClassifyInterface({false, false, false}), InterfaceKind::kWired);
}

TEST(PrefixLength, CountsLeadingOnes) {
  const unsigned char m24[] = {255, 255, 255, 0};
  EXPECT_EQ(PrefixLength(m24, 4), 24u);
  const unsigned char m64[16] = {255, 255, 255, 255, 255, 255, 255, 255};
  EXPECT_EQ(PrefixLength(m64, 16), 64u);
  const unsigned char m0[4] = {};
  EXPECT_EQ(PrefixLength(m0, 4), 0u);
}

}  // namespace
}  // namespace mamori::facts
