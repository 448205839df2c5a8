#pragma once

// The "identity" module's schema steps (after "core"): hosts.duplicate_of.
// Thread safety: the returned data is immutable.

#include <span>

#include "collector/store/sqlite/migrations.h"

namespace mamori::store {

std::span<const MigrationStep> IdentityMigrations();

}  // namespace mamori::store
