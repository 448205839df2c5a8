// ParseMac apart from the registry files (oui.cpp, which parses CSV with
// libcsv): the store's device marks need it, and the store is also built into
// the self-check's SQLite-only engine for Windows, which has no libcsv.
#include <algorithm>
#include <cctype>

#include "collector/devices/oui.h"

namespace mamori::devices {

std::optional<MacInfo> ParseMac(std::string_view text) {
  std::string hex;
  for (char c : text) {
    if (c == ':' || c == '-' || c == '.') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)) || hex.size() >= 12) {
      return std::nullopt;
    }
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (hex.size() != 12) return std::nullopt;
  // Separators only in one of the three usual layouts.
  const size_t n = text.size();
  const bool colon_or_dash =
      n == 17 && (text[2] == ':' || text[2] == '-') &&
      std::all_of(text.begin(), text.end(), [&](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) || c == text[2];
      });
  const bool cisco = n == 14 && text[4] == '.' && text[9] == '.';
  if (!colon_or_dash && !cisco) return std::nullopt;
  MacInfo info;
  for (size_t i = 0; i < 12; i += 2) {
    if (!info.mac.empty()) info.mac += ':';
    info.mac += hex.substr(i, 2);
  }
  const int first = std::stoi(hex.substr(0, 2), nullptr, 16);
  info.locally_administered = (first & 0x02) != 0;
  info.group = (first & 0x01) != 0;
  return info;
}

}  // namespace mamori::devices
