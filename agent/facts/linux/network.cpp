// Linux gatherer for `network`: getifaddrs for addresses and MACs, sysfs for
// kind, MTU and speed, /proc/net/{route,ipv6_route} and resolv.conf.
#include "agent/facts/network.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>

#include <cstdio>
#include <map>

#include "agent/facts/linux/file_util.h"

namespace mamori::facts {

namespace lu = linux_util;

NetworkFacts GatherNetwork(const GatherContext& ctx) {
  NetworkFacts facts;
  if (!ctx.live_kernel) {
    facts.status = UnsupportedStatus(
        "network needs the live kernel (interfaces, routes); not read under "
        "--root");
    return facts;
  }
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    facts.status = ErrorStatus("getifaddrs failed", errno);
    return facts;
  }
  std::map<std::string, NetworkInterface> by_name;
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_name == nullptr) continue;
    NetworkInterface& nic = by_name[a->ifa_name];
    nic.name = SanitizeUtf8(a->ifa_name);
    nic.up = nic.up || (a->ifa_flags & IFF_UP) != 0;
    if (a->ifa_addr == nullptr) continue;
    const int family = a->ifa_addr->sa_family;
    if (family == AF_PACKET) {
      const auto* ll = reinterpret_cast<const sockaddr_ll*>(a->ifa_addr);
      if (ll->sll_halen == 6) {
        char mac[18];
        std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x",
                      ll->sll_addr[0], ll->sll_addr[1], ll->sll_addr[2],
                      ll->sll_addr[3], ll->sll_addr[4], ll->sll_addr[5]);
        if (std::string(mac) != "00:00:00:00:00:00") nic.mac = mac;
      }
    } else if (family == AF_INET || family == AF_INET6) {
      char text[INET6_ADDRSTRLEN] = {};
      const void* addr;
      const unsigned char* mask = nullptr;
      size_t mask_bytes = 0;
      if (family == AF_INET) {
        addr = &reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr;
        if (a->ifa_netmask != nullptr) {
          mask = reinterpret_cast<const unsigned char*>(
              &reinterpret_cast<const sockaddr_in*>(a->ifa_netmask)->sin_addr);
          mask_bytes = 4;
        }
      } else {
        addr = &reinterpret_cast<const sockaddr_in6*>(a->ifa_addr)->sin6_addr;
        if (a->ifa_netmask != nullptr) {
          mask = reinterpret_cast<const unsigned char*>(
              &reinterpret_cast<const sockaddr_in6*>(a->ifa_netmask)
                   ->sin6_addr);
          mask_bytes = 16;
        }
      }
      if (::inet_ntop(family, addr, text, sizeof text) == nullptr) continue;
      std::string cidr = text;
      if (mask != nullptr) {
        cidr += "/" + std::to_string(PrefixLength(mask, mask_bytes));
      }
      (family == AF_INET ? nic.ipv4 : nic.ipv6).push_back(cidr);
    }
    if ((a->ifa_flags & IFF_LOOPBACK) != 0) nic.kind = InterfaceKind::kLoopback;
  }
  ::freeifaddrs(list);

  for (auto& [name, nic] : by_name) {
    const std::string sys = "/sys/class/net/" + name;
    InterfaceSysInfo info;
    info.loopback = nic.kind == InterfaceKind::kLoopback ||
                    lu::ReadOptional(sys + "/type") == "772";
    info.wireless =
        lu::Exists(sys + "/wireless") || lu::Exists(sys + "/phy80211");
    const auto target = lu::ReadLink(sys);
    info.virtual_device =
        !target || target->find("/devices/virtual/") != std::string::npos;
    nic.kind = ClassifyInterface(info);
    nic.mtu = static_cast<uint32_t>(
        ParseUint64(lu::ReadOptional(sys + "/mtu")).value_or(0));
    // speed is -1 or unreadable (EINVAL) when the link is down or virtual.
    if (auto speed = ParseInt64(lu::ReadOptional(sys + "/speed"));
        speed && *speed > 0) {
      nic.speed_mbps = static_cast<uint64_t>(*speed);
    }
    facts.interfaces.push_back(std::move(nic));
  }

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
    if (facts.default_interface.empty()) facts.default_interface = r.interface;
    if (!r.gateway.empty()) facts.default_gateways.push_back(r.gateway);
  }
  if (Result<std::string> resolv =
          ReadFile(ctx.Path("/etc/resolv.conf"), 1 << 20);
      resolv.ok()) {
    ResolvConf conf = ParseResolvConf(*resolv);
    facts.dns_servers = std::move(conf.servers);
    facts.dns_search = std::move(conf.search);
  }
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
