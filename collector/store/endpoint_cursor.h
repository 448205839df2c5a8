#pragma once

// The keyset cursor of ConsoleStore::ListEndpoints, shared by the backends
// so a cursor means the same on SQLite and PostgreSQL: the last row's sort
// key and id, hex-encoded so it is opaque and URL-safe. Integer keys (last
// seen, failing count) start with 'i', text keys with 's'.
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mamori::store {

struct EndpointCursor {
  bool integer = false;
  std::string key;
  int64_t id = 0;
};

std::string EncodeEndpointCursor(const EndpointCursor& cursor);
// The cursor `text` encodes; INVALID_ARGUMENT naming "cursor" when it is
// not one of a list sorted by an integer (`integer_key`) or text key.
Result<EndpointCursor> DecodeEndpointCursor(std::string_view text,
                                            bool integer_key);

}  // namespace mamori::store
