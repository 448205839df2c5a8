#pragma once

// Small conversions every backend does between the store ports' values and
// database rows: optional Unix seconds and times, a comma-joined list, and
// the key that identifies a package row in a backend's package-id cache.
// Pure functions.
//
// Thread safety: no state.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collector/store/store.h"
#include "common/clock.h"

namespace mamori::store {

std::optional<TimePoint> OptionalTime(const std::optional<int64_t>& seconds);
std::optional<int64_t> OptionalSeconds(const std::optional<TimePoint>& time);
// "a,b,c" ("" for none); items must not contain ','.
std::string JoinComma(const std::vector<std::string>& items);
// name, version, architecture, source and publisher joined by NUL bytes.
std::string PackageKey(const PackageRow& row);

}  // namespace mamori::store
