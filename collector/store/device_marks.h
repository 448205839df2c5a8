#pragma once

// What both device stores (sqlite_device_store, pg_device_store) accept as
// a MAC and a mark (device_store.h), so the two refuse the same input with
// the same words.
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "collector/store/account_store.h"
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

// The console audit row of a mark change by `actor` at `now`: `action` is
// "device.mark" or "device.unmark", the target "device:<mac>", `before` and
// `after` the mark's JSON on each side (empty for none).
AuditEntry DeviceMarkAudit(int64_t org_id, const DeviceActor& actor,
                           const std::string& action, const std::string& mac,
                           const std::string& before, const std::string& after,
                           TimePoint now);

}  // namespace mamori::store
