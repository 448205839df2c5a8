#include "agent/facts/neighbours.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <tuple>

#include "common/text.h"

namespace mamori::facts {

std::string_view EnumName(NeighbourState state) {
  switch (state) {
    case NeighbourState::kUnspecified:
      return "NEIGHBOUR_STATE_UNSPECIFIED";
    case NeighbourState::kIncomplete:
      return "NEIGHBOUR_STATE_INCOMPLETE";
    case NeighbourState::kReachable:
      return "NEIGHBOUR_STATE_REACHABLE";
    case NeighbourState::kStale:
      return "NEIGHBOUR_STATE_STALE";
    case NeighbourState::kDelay:
      return "NEIGHBOUR_STATE_DELAY";
    case NeighbourState::kProbe:
      return "NEIGHBOUR_STATE_PROBE";
    case NeighbourState::kFailed:
      return "NEIGHBOUR_STATE_FAILED";
    case NeighbourState::kPermanent:
      return "NEIGHBOUR_STATE_PERMANENT";
    case NeighbourState::kNoArp:
      return "NEIGHBOUR_STATE_NOARP";
  }
  return "";
}

std::string FormatMac(const uint8_t* bytes, size_t length) {
  if (bytes == nullptr || length != 6) return {};
  if (std::all_of(bytes, bytes + 6, [](uint8_t b) { return b == 0; })) {
    return {};
  }
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]);
  return text;
}

std::string FormatIpv4(const uint8_t* bytes) {
  char text[16];
  std::snprintf(text, sizeof text, "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2],
                bytes[3]);
  return text;
}

std::string FormatIpv6(const uint8_t* bytes) {
  uint16_t groups[8];
  for (int i = 0; i < 8; ++i) {
    groups[i] = static_cast<uint16_t>((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  }
  // IPv4-mapped (::ffff:a.b.c.d), as inet_ntop prints it.
  if (std::all_of(groups, groups + 5, [](uint16_t g) { return g == 0; }) &&
      groups[5] == 0xffff) {
    return "::ffff:" + FormatIpv4(bytes + 12);
  }
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    char g[8];
    std::snprintf(g, sizeof g, "%x", groups[i]);
    out += g;
  }
  return out;
}

std::vector<Neighbour> ParseProcNetArp(std::string_view text) {
  std::vector<Neighbour> out;
  for (std::string_view line : SplitLines(text)) {
    const auto f = SplitWhitespace(line);
    if (f.size() < 6 || f[0] == "IP") continue;
    // Flags are hex ("0x2").
    uint32_t flag_bits = 0;
    bool flags_ok = f[2].size() > 2 && f[2].substr(0, 2) == "0x";
    for (char c : f[2].substr(flags_ok ? 2 : 0)) {
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0 || flag_bits > 0xffff) {
        flags_ok = false;
        break;
      }
      flag_bits = flag_bits * 16 + static_cast<uint32_t>(d);
    }
    if (!flags_ok) continue;
    // The address must be a dotted quad.
    unsigned a, b, c, d;
    char tail;
    const std::string ip(f[0]);
    if (std::sscanf(ip.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 ||
        a > 255 || b > 255 || c > 255 || d > 255) {
      continue;
    }
    Neighbour n;
    const uint8_t bytes[4] = {static_cast<uint8_t>(a), static_cast<uint8_t>(b),
                              static_cast<uint8_t>(c), static_cast<uint8_t>(d)};
    n.ip = FormatIpv4(bytes);
    n.interface = SanitizeUtf8(f[5].substr(0, 256));
    if ((flag_bits & 0x2) == 0) {
      n.state = NeighbourState::kIncomplete;
    } else {
      unsigned m[6];
      const std::string mac(f[3]);
      if (mac.size() != 17 ||
          std::sscanf(mac.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1],
                      &m[2], &m[3], &m[4], &m[5]) != 6) {
        continue;
      }
      uint8_t mb[6];
      for (int i = 0; i < 6; ++i) mb[i] = static_cast<uint8_t>(m[i]);
      n.mac = FormatMac(mb, 6);
      n.state = (flag_bits & 0x4) != 0 ? NeighbourState::kPermanent
                                       : NeighbourState::kStale;
    }
    out.push_back(std::move(n));
  }
  return out;
}

namespace {

// A group (multicast or broadcast) MAC: the I/G bit of the first octet.
bool IsGroupMac(std::string_view mac) {
  if (mac.size() < 2) return false;
  const char c = mac[1];
  const int v = c >= '0' && c <= '9' ? c - '0' : c - 'a' + 10;
  return (v & 1) != 0;
}

bool IsGroupAddress(std::string_view ip) {
  if (ip.find(':') != std::string_view::npos) {
    return ip.size() >= 2 && (ip.substr(0, 2) == "ff");
  }
  if (ip == "255.255.255.255") return true;
  unsigned first = 0;
  for (char c : ip) {
    if (c == '.') break;
    first = first * 10 + static_cast<unsigned>(c - '0');
  }
  return first >= 224 && first <= 239;
}

std::string Bounded(std::string_view text) {
  return SanitizeUtf8(text.substr(0, 256));
}

}  // namespace

void FinishNeighbours(std::vector<Neighbour> entries,
                      std::vector<NeighbourNetwork> networks,
                      const std::vector<std::string>& loopback_interfaces,
                      NeighbourFacts* out) {
  std::set<std::string> gateways;
  for (NeighbourNetwork& n : networks) {
    n.interface = Bounded(n.interface);
    for (const std::string& g : n.gateways) gateways.insert(g);
  }
  std::vector<Neighbour> kept;
  kept.reserve(std::min(entries.size(), kMaxNeighbours * 2));
  std::set<std::pair<std::string, std::string>> seen;
  std::set<std::string> interfaces_with_entries;
  for (Neighbour& n : entries) {
    if (std::find(loopback_interfaces.begin(), loopback_interfaces.end(),
                  n.interface) != loopback_interfaces.end()) {
      continue;
    }
    if (n.ip.empty() || IsGroupAddress(n.ip) || IsGroupMac(n.mac)) continue;
    if (n.mac.empty() && (n.state == NeighbourState::kNoArp ||
                          n.state == NeighbourState::kPermanent)) {
      continue;
    }
    n.interface = Bounded(n.interface);
    n.ip = Bounded(n.ip);
    if (!seen.emplace(n.interface, n.ip).second) continue;
    n.gateway = gateways.count(n.ip) != 0;
    interfaces_with_entries.insert(n.interface);
    kept.push_back(std::move(n));
  }
  std::sort(kept.begin(), kept.end(),
            [](const Neighbour& a, const Neighbour& b) {
              return std::tie(a.interface, a.ip) < std::tie(b.interface, b.ip);
            });
  out->total_entries = static_cast<uint32_t>(kept.size());
  out->truncated = kept.size() > kMaxNeighbours;
  if (out->truncated) kept.resize(kMaxNeighbours);
  out->neighbours = std::move(kept);

  out->networks.clear();
  std::sort(networks.begin(), networks.end(),
            [](const NeighbourNetwork& a, const NeighbourNetwork& b) {
              return a.interface < b.interface;
            });
  for (NeighbourNetwork& n : networks) {
    if (out->networks.size() >= kMaxNeighbourNetworks) break;
    if (std::find(loopback_interfaces.begin(), loopback_interfaces.end(),
                  n.interface) != loopback_interfaces.end()) {
      continue;
    }
    if (n.gateways.empty() && interfaces_with_entries.count(n.interface) == 0) {
      continue;
    }
    out->networks.push_back(std::move(n));
  }
}

}  // namespace mamori::facts
