#include "collector/store/endpoint_cursor.h"

#include <optional>

#include "common/text.h"

namespace mamori::store {

std::string EncodeEndpointCursor(const EndpointCursor& c) {
  return HexEncode(std::string(c.integer ? "i" : "s") + c.key + '\x1f' +
                   std::to_string(c.id));
}

Result<EndpointCursor> DecodeEndpointCursor(std::string_view text,
                                            bool integer_key) {
  std::optional<std::string> raw = HexDecode(text, 1024);
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
