#pragma once

// The `neighbours` family (issue #20): the host's neighbour table as the
// kernel keeps it (IPv4 ARP and IPv6 neighbour discovery) with MAC, address,
// interface and state, and the networks of the interfaces involved (own
// addresses with prefix length, default gateways). The collector turns the
// tables of an organisation's hosts into its list of unmanaged devices.
//
// Read only: the agent sends no packet to any host; it reads what the kernel
// already learned (Linux: an rtnetlink RTM_GETNEIGH dump, /proc/net/arp when
// netlink is refused; Windows: GetIpNetTable2). Needs the live kernel:
// STATUS_UNSUPPORTED under --root.
//
// Entries are data about other devices, never an identity: a MAC may repeat
// (several addresses, proxy ARP) and anything on the LAN can claim any MAC.
// Multicast, broadcast and loopback entries are not devices and are left out;
// incomplete and failed entries (no MAC) are kept as the kernel has them. At
// most kMaxNeighbours entries are listed (`truncated` says when more were
// there). Parsers are pure and thread-safe.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/facts/types.h"

namespace mamori::facts {

enum class NeighbourState : int {
  kUnspecified = 0,
  kIncomplete = 1,
  kReachable = 2,
  kStale = 3,
  kDelay = 4,
  kProbe = 5,
  kFailed = 6,
  kPermanent = 7,
  kNoArp = 8,
};
std::string_view EnumName(NeighbourState state);

// Mirrors mamori.v1.Neighbour.
struct Neighbour {
  std::string ip;
  std::string mac;
  std::string interface;
  NeighbourState state = NeighbourState::kUnspecified;
  bool router = false;
  bool gateway = false;
};

template <typename V>
void VisitFields(const Neighbour& f, V& v) {
  v("ip", f.ip);
  v("mac", f.mac);
  v("interface", f.interface);
  v("state", f.state);
  v("router", f.router);
  v("gateway", f.gateway);
}

// Mirrors mamori.v1.NeighbourNetwork.
struct NeighbourNetwork {
  std::string interface;
  std::string mac;
  std::vector<std::string> addresses;
  std::vector<std::string> gateways;
};

template <typename V>
void VisitFields(const NeighbourNetwork& f, V& v) {
  v("interface", f.interface);
  v("mac", f.mac);
  v("addresses", f.addresses);
  v("gateways", f.gateways);
}

// Mirrors mamori.v1.NeighbourFacts.
struct NeighbourFacts {
  CollectionStatus status;
  std::vector<Neighbour> neighbours;
  std::vector<NeighbourNetwork> networks;
  uint32_t total_entries = 0;
  bool truncated = false;
  std::string source;
};

template <typename V>
void VisitFields(const NeighbourFacts& f, V& v) {
  v("status", f.status);
  v("neighbours", f.neighbours);
  v("networks", f.networks);
  v("total_entries", f.total_entries);
  v("truncated", f.truncated);
  v("source", f.source);
}

// Entries listed at most; a LAN of an SME has tens to hundreds.
inline constexpr size_t kMaxNeighbours = 4096;
// Interfaces (networks) listed at most.
inline constexpr size_t kMaxNeighbourNetworks = 256;

// Collects the family. Never throws; failures are in `status`.
NeighbourFacts GatherNeighbours(const GatherContext& ctx);

// "aa:bb:cc:dd:ee:ff" (lower case) for a 6-byte link-layer address; "" for
// any other length or for the all-zero address (no address known).
std::string FormatMac(const uint8_t* bytes, size_t length);

// Dotted quad of a 4-byte IPv4 address; RFC 5952 text (lower case, longest
// run of two or more zero groups as "::", IPv4-mapped as ::ffff:a.b.c.d) of
// a 16-byte IPv6 address.
std::string FormatIpv4(const uint8_t* bytes);
std::string FormatIpv6(const uint8_t* bytes);

// Parses /proc/net/arp ("IP address HW type Flags HW address Mask Device").
// The file does not tell reachable from stale: a complete entry (flag 0x2)
// is kStale, a permanent one (0x4) kPermanent, an entry without 0x2
// kIncomplete with no MAC. Lines that do not parse are skipped.
std::vector<Neighbour> ParseProcNetArp(std::string_view text);

// Turns the OS's raw entries into the family's lists: drops entries that are
// no device (multicast or broadcast MAC or address, loopback interfaces named
// in `loopback_interfaces`, NOARP entries without MAC), sanitises names,
// marks gateways (the address is a gateway in `networks`), removes exact
// duplicates (same address and interface), sorts by interface and address,
// and keeps at most kMaxNeighbours (total_entries counts them all).
// `networks` is kept for interfaces that have entries or gateways, sorted by
// name, at most kMaxNeighbourNetworks. Sets neighbours, networks,
// total_entries and truncated; leaves status and source alone.
void FinishNeighbours(std::vector<Neighbour> entries,
                      std::vector<NeighbourNetwork> networks,
                      const std::vector<std::string>& loopback_interfaces,
                      NeighbourFacts* out);

}  // namespace mamori::facts
