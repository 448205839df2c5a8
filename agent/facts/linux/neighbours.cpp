// Linux gatherer for `neighbours`: the neighbour table from an rtnetlink
// RTM_GETNEIGH dump (IPv4 and IPv6), /proc/net/arp (IPv4 only) when netlink
// is refused; interfaces from getifaddrs, default gateways from
// /proc/net/{route,ipv6_route}. Reads kernel state only; sends no packet.
#include "agent/facts/neighbours.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>

#include <algorithm>
#include <map>

#include "agent/facts/linux/neigh_netlink.h"
#include "agent/facts/network.h"

namespace mamori::facts {

namespace {

struct Interfaces {
  std::map<int, std::string> names;  // by index
  std::map<std::string, NeighbourNetwork> networks;
  std::vector<std::string> loopback;
};

Interfaces ReadInterfaces() {
  Interfaces out;
  if (struct if_nameindex* names = ::if_nameindex(); names != nullptr) {
    for (const struct if_nameindex* i = names; i->if_index != 0; ++i) {
      out.names[static_cast<int>(i->if_index)] = i->if_name;
    }
    ::if_freenameindex(names);
  }
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_name == nullptr) continue;
    const std::string name = a->ifa_name;
    if ((a->ifa_flags & IFF_LOOPBACK) != 0) {
      if (std::find(out.loopback.begin(), out.loopback.end(), name) ==
          out.loopback.end()) {
        out.loopback.push_back(name);
      }
      continue;
    }
    NeighbourNetwork& net = out.networks[name];
    net.interface = name;
    if (a->ifa_addr == nullptr) continue;
    const int family = a->ifa_addr->sa_family;
    if (family == AF_PACKET) {
      const auto* ll = reinterpret_cast<const sockaddr_ll*>(a->ifa_addr);
      net.mac = FormatMac(ll->sll_addr, ll->sll_halen);
    } else if (family == AF_INET || family == AF_INET6) {
      std::string text;
      uint32_t prefix = 0;
      if (family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
        text = FormatIpv4(reinterpret_cast<const uint8_t*>(&sin->sin_addr));
        if (a->ifa_netmask != nullptr) {
          prefix = PrefixLength(
              reinterpret_cast<const unsigned char*>(
                  &reinterpret_cast<const sockaddr_in*>(a->ifa_netmask)
                       ->sin_addr),
              4);
        }
      } else {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
        text = FormatIpv6(reinterpret_cast<const uint8_t*>(&sin6->sin6_addr));
        if (a->ifa_netmask != nullptr) {
          prefix = PrefixLength(
              reinterpret_cast<const unsigned char*>(
                  &reinterpret_cast<const sockaddr_in6*>(a->ifa_netmask)
                       ->sin6_addr),
              16);
        }
      }
      net.addresses.push_back(text + "/" + std::to_string(prefix));
    }
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace

NeighbourFacts GatherNeighbours(const GatherContext& ctx) {
  NeighbourFacts facts;
  if (!ctx.live_kernel) {
    facts.status = UnsupportedStatus(
        "neighbours needs the live kernel (neighbour table); not read under "
        "--root");
    return facts;
  }
  Interfaces interfaces = ReadInterfaces();
  std::vector<DefaultRoute> routes;
  if (Result<std::string> v4 = ReadFile("/proc/net/route", 16 << 20); v4.ok()) {
    routes = ParseProcNetRoute(*v4);
  }
  if (Result<std::string> v6 = ReadFile("/proc/net/ipv6_route", 16 << 20);
      v6.ok()) {
    for (DefaultRoute& r : ParseProcNetIpv6Route(*v6)) {
      routes.push_back(std::move(r));
    }
  }
  for (const DefaultRoute& r : routes) {
    if (r.gateway.empty()) continue;
    NeighbourNetwork& net = interfaces.networks[r.interface];
    net.interface = r.interface;
    if (std::find(net.gateways.begin(), net.gateways.end(), r.gateway) ==
        net.gateways.end()) {
      net.gateways.push_back(r.gateway);
    }
  }
  std::vector<NeighbourNetwork> networks;
  for (auto& [name, net] : interfaces.networks) {
    networks.push_back(std::move(net));
  }

  std::vector<Neighbour> entries;
  Result<std::string> dump = linux_util::DumpNeighbourTable();
  Result<std::vector<Neighbour>> parsed =
      dump.ok() ? linux_util::ParseNeighbourDump(*dump, interfaces.names)
                : Result<std::vector<Neighbour>>(dump.status());
  if (parsed.ok()) {
    entries = std::move(*parsed);
    facts.source = "rtnetlink";
  } else {
    // A sandbox may refuse NETLINK_ROUTE; /proc/net/arp still has IPv4.
    Result<std::string> arp = ReadFile("/proc/net/arp", 16 << 20);
    if (!arp.ok()) {
      facts.status = StatusFromError(parsed.status());
      facts.status.message += "; /proc/net/arp: " + arp.status().message();
      return facts;
    }
    entries = ParseProcNetArp(*arp);
    facts.source = "proc_net_arp";
  }
  FinishNeighbours(std::move(entries), std::move(networks), interfaces.loopback,
                   &facts);
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
