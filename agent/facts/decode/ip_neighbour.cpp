#include "agent/facts/decode/ip_neighbour.h"

namespace mamori::facts::win {

NeighbourState StateFromNlState(int state) {
  switch (state) {
    case 0:
      return NeighbourState::kFailed;
    case 1:
      return NeighbourState::kIncomplete;
    case 2:
      return NeighbourState::kProbe;
    case 3:
      return NeighbourState::kDelay;
    case 4:
      return NeighbourState::kStale;
    case 5:
      return NeighbourState::kReachable;
    case 6:
      return NeighbourState::kPermanent;
    default:
      return NeighbourState::kUnspecified;
  }
}

std::optional<Neighbour> DecodeIpNetRow(const IpNetRow& row) {
  Neighbour n;
  if (row.family == kWinAfInet) {
    n.ip = FormatIpv4(row.address);
  } else if (row.family == kWinAfInet6) {
    n.ip = FormatIpv6(row.address);
  } else {
    return std::nullopt;
  }
  n.state = row.is_unreachable ? NeighbourState::kFailed
                               : StateFromNlState(row.state);
  n.router = row.is_router;
  if (n.state != NeighbourState::kIncomplete &&
      n.state != NeighbourState::kFailed) {
    const uint32_t length = row.physical_address_length;
    n.mac = FormatMac(row.physical_address,
                      length <= sizeof row.physical_address ? length : 0);
  }
  return n;
}

}  // namespace mamori::facts::win
