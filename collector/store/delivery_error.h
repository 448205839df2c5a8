#pragma once

// How both alert stores keep a delivery's last error (store/alert_port.h,
// MarkFailed): the words of a mail or webhook server, so made valid UTF-8
// (PostgreSQL refuses anything else, and the console shows the text) and
// cut to at most 500 bytes between characters, never inside one.
//
// Thread safety: a pure function.

#include <algorithm>
#include <string>
#include <string_view>

#include "common/text.h"

namespace mamori::store {

inline constexpr size_t kMaxDeliveryErrorBytes = 500;

inline std::string StoredDeliveryError(std::string_view error) {
  const std::string valid = SanitizeUtf8(error);
  size_t end = std::min(valid.size(), kMaxDeliveryErrorBytes);
  // Back over continuation bytes to the start of the character cut.
  while (end > 0 && end < valid.size() &&
         (static_cast<unsigned char>(valid[end]) & 0xC0) == 0x80) {
    --end;
  }
  return valid.substr(0, end);
}

}  // namespace mamori::store
