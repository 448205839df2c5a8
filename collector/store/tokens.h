#pragma once

// Whether an enrollment token may enroll a host now: the rule every store
// backend applies to the token row it found (pure; no I/O). Unknown tokens
// are the caller's (it found no row).
//
// Thread safety: pure function.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"

namespace mamori::store {

// The token format every backend makes: "mtk_" + 32 random bytes; the prefix
// shown in lists is the first 12 characters, enough to tell tokens apart and
// far too short to guess.
inline constexpr std::string_view kTokenMarker = "mtk_";
inline constexpr size_t kTokenPrefixLength = 12;
inline constexpr size_t kTokenRandomBytes = 32;

struct TokenState {
  std::optional<int64_t> expires_at;  // Unix seconds; unset = never
  std::optional<int64_t> uses_left;   // unset = unlimited
  bool revoked = false;
};

// OK when the token is usable at `now` (Unix seconds); else
// UNAUTHENTICATED saying why, checked in this order: "enrollment token was
// revoked", "enrollment token expired" (at or after expires_at),
// "enrollment token has no uses left".
Status CheckTokenUsable(const TokenState& token, int64_t now);

}  // namespace mamori::store
