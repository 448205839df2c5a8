#include "agent/facts/network.h"

#include <algorithm>
#include <cstdio>

namespace mamori::facts {

std::string_view EnumName(InterfaceKind kind) {
  switch (kind) {
    case InterfaceKind::kUnspecified:
      return "INTERFACE_KIND_UNSPECIFIED";
    case InterfaceKind::kWired:
      return "INTERFACE_KIND_WIRED";
    case InterfaceKind::kWireless:
      return "INTERFACE_KIND_WIRELESS";
    case InterfaceKind::kVirtual:
      return "INTERFACE_KIND_VIRTUAL";
    case InterfaceKind::kLoopback:
      return "INTERFACE_KIND_LOOPBACK";
  }
  return "";
}

InterfaceKind ClassifyInterface(const InterfaceSysInfo& info) {
  if (info.loopback) return InterfaceKind::kLoopback;
  if (info.wireless) return InterfaceKind::kWireless;
  if (info.virtual_device) return InterfaceKind::kVirtual;
  return InterfaceKind::kWired;
}

namespace {

std::optional<uint32_t> ParseHex32(std::string_view hex) {
  if (hex.empty() || hex.size() > 8) return std::nullopt;
  uint32_t v = 0;
  for (char c : hex) {
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
  }
  return v;
}

struct Ranked {
  uint32_t metric;
  DefaultRoute route;
};

std::vector<DefaultRoute> ByMetric(std::vector<Ranked> routes) {
  std::stable_sort(
      routes.begin(), routes.end(),
      [](const Ranked& a, const Ranked& b) { return a.metric < b.metric; });
  std::vector<DefaultRoute> out;
  for (Ranked& r : routes) out.push_back(std::move(r.route));
  return out;
}

}  // namespace

std::vector<DefaultRoute> ParseProcNetRoute(std::string_view text) {
  // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
  std::vector<Ranked> routes;
  for (std::string_view line : SplitLines(text)) {
    const auto f = SplitWhitespace(line);
    if (f.size() < 8 || f[0] == "Iface") continue;
    const auto dest = ParseHex32(f[1]), gw = ParseHex32(f[2]),
               flags = ParseHex32(f[3]), mask = ParseHex32(f[7]);
    const auto metric = ParseUint64(f[6]);
    if (!dest || !gw || !flags || !mask || !metric) continue;
    if (*dest != 0 || *mask != 0 || (*flags & 0x1) == 0) continue;
    // The kernel prints the address in host byte order of a little-endian
    // machine: first octet in the lowest byte.
    Ranked r;
    r.metric = static_cast<uint32_t>(*metric);
    r.route.interface = SanitizeUtf8(f[0]);
    if (*gw != 0) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", *gw & 0xff,
                    (*gw >> 8) & 0xff, (*gw >> 16) & 0xff, (*gw >> 24) & 0xff);
      r.route.gateway = buf;
    }
    routes.push_back(std::move(r));
  }
  return ByMetric(std::move(routes));
}

std::vector<DefaultRoute> ParseProcNetIpv6Route(std::string_view text) {
  // dest dest_len src src_len next_hop metric refcnt use flags iface
  std::vector<Ranked> routes;
  for (std::string_view line : SplitLines(text)) {
    const auto f = SplitWhitespace(line);
    if (f.size() < 10) continue;
    if (f[0] != "00000000000000000000000000000000" || f[1] != "00") continue;
    if (f[9] == "lo") continue;  // the "unreachable" catch-all
    const auto metric = ParseHex32(f[5]);
    const auto flags = ParseHex32(f[8]);
    if (!metric || !flags || (*flags & 0x1) == 0 || f[4].size() != 32) continue;
    Ranked r;
    r.metric = *metric;
    r.route.interface = SanitizeUtf8(f[9]);
    if (f[4] != "00000000000000000000000000000000") {
      // Groups of four hex digits; compress the first run of zero groups.
      std::vector<std::string> groups;
      for (size_t i = 0; i < 32; i += 4) {
        const auto g = ParseHex32(f[4].substr(i, 4));
        if (!g) break;
        char buf[8];
        std::snprintf(buf, sizeof buf, "%x", *g);
        groups.emplace_back(buf);
      }
      if (groups.size() != 8) continue;
      size_t best = 8, best_len = 0;
      for (size_t i = 0; i < 8;) {
        size_t j = i;
        while (j < 8 && groups[j] == "0") ++j;
        if (j - i > best_len && j - i >= 2) {
          best = i;
          best_len = j - i;
        }
        i = j == i ? i + 1 : j;
      }
      std::string addr;
      for (size_t i = 0; i < 8; ++i) {
        if (i == best) {
          addr += "::";
          i += best_len - 1;
          continue;
        }
        if (!addr.empty() && addr.back() != ':') addr += ':';
        addr += groups[i];
      }
      r.route.gateway = addr;
    }
    routes.push_back(std::move(r));
  }
  return ByMetric(std::move(routes));
}

ResolvConf ParseResolvConf(std::string_view text) {
  ResolvConf out;
  for (std::string_view line : SplitLines(text)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    const auto words = SplitWhitespace(line);
    if (words.size() < 2) continue;
    if (words[0] == "nameserver") {
      out.servers.push_back(SanitizeUtf8(words[1]));
    } else if (words[0] == "search" || words[0] == "domain") {
      out.search.clear();
      for (size_t i = 1; i < words.size(); ++i) {
        out.search.push_back(SanitizeUtf8(words[i]));
      }
    }
  }
  return out;
}

uint32_t PrefixLength(const unsigned char* mask, size_t bytes) {
  uint32_t bits = 0;
  for (size_t i = 0; i < bytes; ++i) {
    for (int b = 7; b >= 0; --b) {
      if ((mask[i] >> b) & 1) {
        ++bits;
      } else {
        return bits;
      }
    }
  }
  return bits;
}

}  // namespace mamori::facts
