#pragma once

// The "console" module's schema steps: console accounts with their
// organisations, API tokens, and the audit log (see console_schema.cpp).
// Thread safety: the returned data is immutable.

#include <span>

#include "collector/store/sqlite/migrations.h"

namespace mamori::store {

std::span<const MigrationStep> ConsoleMigrations();

}  // namespace mamori::store
