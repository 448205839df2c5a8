#include "collector/store/endpoint_cursor.h"

#include <optional>

#include "common/text.h"

namespace mamori::store {
namespace {

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0 || hex.size() > 2048) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int value = 0;
    for (char c : hex.substr(i, 2)) {
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        value |= c - 'a' + 10;
      } else {
        return std::nullopt;
      }
    }
    out.push_back(static_cast<char>(value));
  }
  return out;
}

}  // namespace

std::string EncodeEndpointCursor(const EndpointCursor& c) {
  return ToHex(std::string(c.integer ? "i" : "s") + c.key + '\x1f' +
               std::to_string(c.id));
}

Result<EndpointCursor> DecodeEndpointCursor(std::string_view text,
                                            bool integer_key) {
  std::optional<std::string> raw = FromHex(text);
  const Status bad = InvalidArgumentError("cursor: not a cursor of this list");
  if (!raw || raw->empty()) return bad;
  const size_t sep = raw->rfind('\x1f');
  if (sep == std::string::npos) return bad;
  EndpointCursor c;
  c.integer = (*raw)[0] == 'i';
  if (c.integer != integer_key || ((*raw)[0] != 's' && !c.integer)) return bad;
  c.key = raw->substr(1, sep - 1);
  std::optional<int64_t> id = ParseInt64(raw->substr(sep + 1));
  if (!id || (c.integer && !ParseInt64(c.key))) return bad;
  c.id = *id;
  return c;
}

}  // namespace mamori::store
