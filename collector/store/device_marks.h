#pragma once

// What both device stores (sqlite_device_store, pg_device_store) accept as
// a MAC and a mark (device_store.h), so the two refuse the same input with
// the same words.
//
// Thread safety: pure functions.

#include <string>
#include <string_view>

#include "collector/store/device_store.h"
#include "common/status.h"

namespace mamori::store {

// `text` in any layout oui.h's ParseMac accepts, as lower-case
// aa:bb:cc:dd:ee:ff; INVALID_ARGUMENT naming "mac" otherwise.
Result<std::string> NormalisedDeviceMac(std::string_view text);

// OK, or INVALID_ARGUMENT naming the field: an unknown verdict or kind, a
// kind with needs_agent, a note over 500 bytes or not UTF-8. The MAC is
// checked by NormalisedDeviceMac.
Status ValidateDeviceMark(const DeviceMark& mark);

}  // namespace mamori::store
