#pragma once

// IP Helper neighbour rows (GetIpNetTable2's MIB_IPNET_ROW2) → Neighbour.
// The row is copied into the plain struct below by windows/neighbours.cpp;
// this mapping is pure and is tested on Linux and under Wine. Thread-safe.

#include <cstdint>
#include <optional>

#include "agent/facts/neighbours.h"

namespace mamori::facts::win {

// The fields of a MIB_IPNET_ROW2 the family uses.
struct IpNetRow {
  uint16_t family = 0;       // AF_INET (2) or AF_INET6 (23)
  uint8_t address[16] = {};  // IPv4 in the first 4 bytes
  uint8_t physical_address[32] = {};
  uint32_t physical_address_length = 0;
  int state = 0;  // NL_NEIGHBOR_STATE
  bool is_router = false;
  bool is_unreachable = false;
};

// Windows' address family numbers (ws2def.h).
inline constexpr uint16_t kWinAfInet = 2;
inline constexpr uint16_t kWinAfInet6 = 23;

// NL_NEIGHBOR_STATE (nldef.h): Unreachable 0, Incomplete 1, Probe 2,
// Delay 3, Stale 4, Reachable 5, Permanent 6 → the family's state;
// unreachable → kFailed; anything else kUnspecified.
NeighbourState StateFromNlState(int state);

// Returns the entry (interface left empty for the caller); nullopt for a
// family other than IPv4/IPv6. The MAC is set only for a 6-byte address
// and not for incomplete, failed or unreachable rows (Windows keeps the
// last address there).
std::optional<Neighbour> DecodeIpNetRow(const IpNetRow& row);

}  // namespace mamori::facts::win
