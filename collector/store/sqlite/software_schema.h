#pragma once

// The "software" module's schema steps: the software dictionary as global
// reference tables (categories, titles, their LIKE patterns, and the
// matches of the package catalogue against them, kept current by a trigger
// on `packages`), each organisation's software rules, version floors and
// licences owned, their audit trail, and the org-scoped views the checks of
// policies/checks/software.yaml read (docs/policies.md, "Software rules").
//
// Thread safety: the returned data is immutable.

#include <span>

#include "collector/store/sqlite/migrations.h"

namespace mamori::store {

std::span<const MigrationStep> SoftwareMigrations();

}  // namespace mamori::store
