#pragma once

// SHA-256 as lower-case hex, the one digest the project uses for content
// hashes (package lists, report parts, token hashes). Native builds only: it
// uses OpenSSL's libcrypto, which the mingw cross build does not have.
// Thread-safe.

#include <string>
#include <string_view>

namespace mamori {

// Returns the 64-character lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace mamori
