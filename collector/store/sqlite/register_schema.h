#pragma once

// The "register" module's schema steps (information-asset register,
// 情報資産管理台帳): information assets per organisation with importance as a
// generated column (never typed in), the editable side of device assets
// (owner/user, location/department, retired) keyed by the core `hosts` row
// they describe, links from assets to devices or named external services,
// and the change history (who changed what, when).
//
// Device assets are derived from `hosts` and `host_facts` when read, so
// they are always current; only the fields people edit are stored here.
//
// Thread safety: the returned data is immutable.

#include <span>

#include "collector/store/sqlite/migrations.h"

namespace mamori::store {

std::span<const MigrationStep> RegisterMigrations();

}  // namespace mamori::store
