#pragma once

// The `network` family: interfaces (MAC, addresses, wired / wireless /
// virtual / loopback, up, MTU, speed), default gateways and DNS servers.
//
// Needs the live kernel (getifaddrs, /sys/class/net, /proc/net/route):
// STATUS_UNSUPPORTED under --root. A missing resolv.conf means no DNS
// servers configured (real absence). Parsers are pure and thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts {

enum class InterfaceKind : int {
  kUnspecified = 0,
  kWired = 1,
  kWireless = 2,
  kVirtual = 3,
  kLoopback = 4,
};
std::string_view EnumName(InterfaceKind kind);

// Mirrors mamori.v1.NetworkInterface.
struct NetworkInterface {
  std::string name;
  std::string description;
  std::string mac;
  InterfaceKind kind = InterfaceKind::kUnspecified;
  bool up = false;
  std::vector<std::string> ipv4;
  std::vector<std::string> ipv6;
  uint32_t mtu = 0;
  uint64_t speed_mbps = 0;
};

template <typename V>
void VisitFields(const NetworkInterface& f, V& v) {
  v("name", f.name);
  v("description", f.description);
  v("mac", f.mac);
  v("kind", f.kind);
  v("up", f.up);
  v("ipv4", f.ipv4);
  v("ipv6", f.ipv6);
  v("mtu", f.mtu);
  v("speed_mbps", f.speed_mbps);
}

// Mirrors mamori.v1.NetworkFacts.
struct NetworkFacts {
  CollectionStatus status;
  std::vector<NetworkInterface> interfaces;
  std::vector<std::string> default_gateways;
  std::string default_interface;
  std::vector<std::string> dns_servers;
  std::vector<std::string> dns_search;
};

template <typename V>
void VisitFields(const NetworkFacts& f, V& v) {
  v("status", f.status);
  v("interfaces", f.interfaces);
  v("default_gateways", f.default_gateways);
  v("default_interface", f.default_interface);
  v("dns_servers", f.dns_servers);
  v("dns_search", f.dns_search);
}

// Collects the family. Never throws; failures are in `status`.
NetworkFacts GatherNetwork(const GatherContext& ctx);

// What sysfs says about one interface.
struct InterfaceSysInfo {
  bool loopback = false;        // type 772 or IFF_LOOPBACK
  bool wireless = false;        // has wireless/ or phy80211
  bool virtual_device = false;  // device lives under /sys/devices/virtual
};
InterfaceKind ClassifyInterface(const InterfaceSysInfo& info);

struct DefaultRoute {
  std::string gateway;  // "192.0.2.1" / "fe80::1"; "" when on-link
  std::string interface;
};
// Returns the default routes (destination 0/0, flag RTF_UP) of
// /proc/net/route, lowest metric first.
std::vector<DefaultRoute> ParseProcNetRoute(std::string_view text);
// Returns the default routes (::/0) of /proc/net/ipv6_route, lowest metric
// first; the loopback "unreachable" default is skipped.
std::vector<DefaultRoute> ParseProcNetIpv6Route(std::string_view text);

struct ResolvConf {
  std::vector<std::string> servers;
  std::vector<std::string> search;
};
// Parses nameserver, search and domain lines (the last search/domain wins,
// as in the resolver).
ResolvConf ParseResolvConf(std::string_view text);

// Returns the prefix length of a netmask given as bytes (4 or 16), counting
// leading one bits.
uint32_t PrefixLength(const unsigned char* mask, size_t bytes);

}  // namespace mamori::facts
