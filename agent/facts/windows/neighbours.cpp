// The `neighbours` family on Windows through IP Helper: the neighbour table
// (GetIpNetTable2, IPv4 and IPv6), interface names, MACs and own addresses
// with prefix length (GetAdaptersAddresses), default gateways
// (GetIpForwardTable2, destination prefix length 0). Reads the stack's
// tables only; sends no packet.
// Windows headers: <windows.h> first, then the rest in dependency order.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>
// clang-format on
// objbase.h defines `interface` as `struct`; our structs have fields of
// that name.
#undef interface

#include "agent/facts/neighbours.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "agent/facts/decode/ip_neighbour.h"
#include "agent/facts/windows/win_error.h"
#include "agent/facts/windows/win_text.h"

namespace mamori::facts {

namespace {

std::string AddressText(const SOCKADDR_INET& address) {
  if (address.si_family == AF_INET) {
    return FormatIpv4(reinterpret_cast<const uint8_t*>(&address.Ipv4.sin_addr));
  }
  if (address.si_family == AF_INET6) {
    return FormatIpv6(
        reinterpret_cast<const uint8_t*>(&address.Ipv6.sin6_addr));
  }
  return {};
}

std::string SocketAddressText(const SOCKET_ADDRESS& address) {
  const sockaddr* sa = address.lpSockaddr;
  if (sa == nullptr) return {};
  if (sa->sa_family == AF_INET) {
    return FormatIpv4(reinterpret_cast<const uint8_t*>(
        &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr));
  }
  if (sa->sa_family == AF_INET6) {
    return FormatIpv6(reinterpret_cast<const uint8_t*>(
        &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr));
  }
  return {};
}

struct Interfaces {
  std::map<NET_IFINDEX, NeighbourNetwork> by_index;
  std::vector<std::string> loopback;
};

// Interfaces by index (IPv4 and IPv6 indexes of one adapter both map to it).
Result<Interfaces> ReadInterfaces() {
  const ULONG flags = GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST |
                      GAA_FLAG_SKIP_DNS_SERVER;
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
    return UnavailableError("GetAdaptersAddresses failed: Win32 error " +
                            std::to_string(rc));
  }
  Interfaces out;
  for (auto* a = reinterpret_cast<IP_ADAPTER_ADDRESSES*>(buffer.data());
       a != nullptr; a = a->Next) {
    NeighbourNetwork net;
    net.interface = win::WideToUtf8(a->FriendlyName);
    if (a->IfType == IF_TYPE_SOFTWARE_LOOPBACK) {
      out.loopback.push_back(net.interface);
    }
    net.mac = FormatMac(a->PhysicalAddress, a->PhysicalAddressLength);
    for (auto* u = a->FirstUnicastAddress; u != nullptr; u = u->Next) {
      const std::string text = SocketAddressText(u->Address);
      if (!text.empty()) {
        net.addresses.push_back(text + "/" +
                                std::to_string(u->OnLinkPrefixLength));
      }
    }
    if (a->IfIndex != 0) out.by_index[a->IfIndex] = net;
    if (a->Ipv6IfIndex != 0) out.by_index[a->Ipv6IfIndex] = net;
  }
  return out;
}

}  // namespace

NeighbourFacts GatherNeighbours(const GatherContext& /*ctx*/) {
  NeighbourFacts facts;
  facts.source = "GetIpNetTable2";
  Result<Interfaces> interfaces = ReadInterfaces();
  if (!interfaces.ok()) {
    facts.status = StatusFromError(interfaces.status());
    return facts;
  }

  // Default routes: gateways per interface.
  PMIB_IPFORWARD_TABLE2 routes = nullptr;
  if (GetIpForwardTable2(AF_UNSPEC, &routes) == NO_ERROR && routes != nullptr) {
    for (ULONG i = 0; i < routes->NumEntries; ++i) {
      const MIB_IPFORWARD_ROW2& r = routes->Table[i];
      if (r.DestinationPrefix.PrefixLength != 0) continue;
      const std::string gateway = AddressText(r.NextHop);
      if (gateway.empty() || gateway == "0.0.0.0" || gateway == "::") continue;
      auto it = interfaces->by_index.find(r.InterfaceIndex);
      if (it == interfaces->by_index.end()) continue;
      auto& gateways = it->second.gateways;
      if (std::find(gateways.begin(), gateways.end(), gateway) ==
          gateways.end()) {
        gateways.push_back(gateway);
      }
    }
    FreeMibTable(routes);
  }

  PMIB_IPNET_TABLE2 table = nullptr;
  const DWORD rc = GetIpNetTable2(AF_UNSPEC, &table);
  if (rc != NO_ERROR) {
    facts.status = win::Win32Status("GetIpNetTable2", rc);
    return facts;
  }
  std::vector<Neighbour> entries;
  entries.reserve(table->NumEntries);
  for (ULONG i = 0; i < table->NumEntries; ++i) {
    const MIB_IPNET_ROW2& r = table->Table[i];
    win::IpNetRow row;
    row.family = r.Address.si_family;
    if (r.Address.si_family == AF_INET) {
      std::memcpy(row.address, &r.Address.Ipv4.sin_addr, 4);
    } else if (r.Address.si_family == AF_INET6) {
      std::memcpy(row.address, &r.Address.Ipv6.sin6_addr, 16);
    }
    row.physical_address_length = r.PhysicalAddressLength;
    std::memcpy(row.physical_address, r.PhysicalAddress,
                std::min<size_t>(sizeof row.physical_address,
                                 sizeof r.PhysicalAddress));
    row.state = static_cast<int>(r.State);
    row.is_router = r.IsRouter != FALSE;
    row.is_unreachable = r.IsUnreachable != FALSE;
    std::optional<Neighbour> n = win::DecodeIpNetRow(row);
    if (!n) continue;
    auto it = interfaces->by_index.find(r.InterfaceIndex);
    n->interface =
        it != interfaces->by_index.end() ? it->second.interface : "if" + std::to_string(r.InterfaceIndex);
    entries.push_back(std::move(*n));
  }
  FreeMibTable(table);

  std::map<std::string, NeighbourNetwork> by_name;
  for (auto& [index, net] : interfaces->by_index) {
    NeighbourNetwork& merged = by_name[net.interface];
    if (merged.interface.empty()) {
      merged = net;
    } else {
      for (const std::string& g : net.gateways) {
        if (std::find(merged.gateways.begin(), merged.gateways.end(), g) ==
            merged.gateways.end()) {
          merged.gateways.push_back(g);
        }
      }
    }
  }
  std::vector<NeighbourNetwork> networks;
  for (auto& [name, net] : by_name) networks.push_back(std::move(net));
  FinishNeighbours(std::move(entries), std::move(networks),
                   interfaces->loopback, &facts);
  facts.status = OkStatus();
  return facts;
}

}  // namespace mamori::facts
