// The `network` family on Windows via GetAdaptersAddresses: interfaces with
// friendly name, description, MAC, kind (IfType), state, addresses with
// prefix length, MTU, speed, gateways and DNS servers/suffixes.
// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
// clang-format on
// objbase.h defines `interface` as `struct`; our structs have fields of
// that name.
#undef interface

#include "agent/facts/network.h"

#include <algorithm>
#include <cstdio>

#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"

namespace mamori::facts {

namespace {

std::string Address(const SOCKET_ADDRESS& address) {
  char text[INET6_ADDRSTRLEN] = {};
  const sockaddr* sa = address.lpSockaddr;
  if (sa == nullptr) return {};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr,
              text, sizeof text);
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr,
              text, sizeof text);
  }
  return text;
}

InterfaceKind KindOf(IFTYPE type, const std::string& description) {
  switch (type) {
    case IF_TYPE_SOFTWARE_LOOPBACK:
      return InterfaceKind::kLoopback;
    case IF_TYPE_IEEE80211:
      return InterfaceKind::kWireless;
    case IF_TYPE_TUNNEL:
    case IF_TYPE_PPP:
      return InterfaceKind::kVirtual;
    case IF_TYPE_ETHERNET_CSMACD: {
      // Hyper-V, VPN and VM adapters present themselves as Ethernet.
      for (const char* hint : {"Hyper-V", "Virtual", "VPN", "TAP-", "VMware",
                               "VirtualBox", "WAN Miniport"}) {
        if (description.find(hint) != std::string::npos)
          return InterfaceKind::kVirtual;
      }
      return InterfaceKind::kWired;
    }
    default:
      return InterfaceKind::kUnspecified;
  }
}

}  // namespace

NetworkFacts GatherNetwork(const GatherContext& /*ctx*/) {
  NetworkFacts facts;
  const ULONG flags = GAA_FLAG_INCLUDE_GATEWAYS | GAA_FLAG_SKIP_ANYCAST |
                      GAA_FLAG_SKIP_MULTICAST;
  ULONG size = 32 * 1024;
  std::string buffer;
  ULONG rc = ERROR_BUFFER_OVERFLOW;
  for (int attempt = 0; attempt < 4 && rc == ERROR_BUFFER_OVERFLOW; ++attempt) {
    buffer.assign(size, '\0');
    rc = GetAdaptersAddresses(
        AF_UNSPEC, flags, nullptr,
        reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.data()), &size);
  }
  if (rc != NO_ERROR) {
    facts.status = win::Win32Status("GetAdaptersAddresses", rc);
    return facts;
  }
  for (auto* a = reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.data());
       a != nullptr; a = a->Next) {
    NetworkInterface n;
    n.name = win::WideToUtf8(a->FriendlyName);
    n.description = win::WideToUtf8(a->Description);
    if (a->PhysicalAddressLength == 6) {
      char mac[18];
      const BYTE* b = a->PhysicalAddress;
      std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", b[0],
                    b[1], b[2], b[3], b[4], b[5]);
      n.mac = mac;
    }
    n.kind = KindOf(a->IfType, n.description);
    n.up = a->OperStatus == IfOperStatusUp;
    n.mtu = a->Mtu == 0xFFFFFFFF ? 0 : a->Mtu;
    const ULONG64 speed = a->TransmitLinkSpeed;
    if (speed != 0 && speed != ~0ULL) n.speed_mbps = speed / 1000000;
    for (auto* u = a->FirstUnicastAddress; u != nullptr; u = u->Next) {
      const std::string text =
          Address(u->Address) + "/" + std::to_string(u->OnLinkPrefixLength);
      if (u->Address.lpSockaddr->sa_family == AF_INET) {
        n.ipv4.push_back(text);
      } else {
        n.ipv6.push_back(text);
      }
    }
    for (auto* g = a->FirstGatewayAddress; g != nullptr; g = g->Next) {
      facts.default_gateways.push_back(Address(g->Address));
      if (facts.default_interface.empty()) facts.default_interface = n.name;
    }
    if (n.up) {
      for (auto* d = a->FirstDnsServerAddress; d != nullptr; d = d->Next) {
        const std::string server = Address(d->Address);
        if (std::find(facts.dns_servers.begin(), facts.dns_servers.end(),
                      server) == facts.dns_servers.end()) {
          facts.dns_servers.push_back(server);
        }
      }
      const std::string suffix = win::WideToUtf8(a->DnsSuffix);
      if (!suffix.empty() &&
          std::find(facts.dns_search.begin(), facts.dns_search.end(), suffix) ==
              facts.dns_search.end()) {
        facts.dns_search.push_back(suffix);
      }
    }
    facts.interfaces.push_back(std::move(n));
  }
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
