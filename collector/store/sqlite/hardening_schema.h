#pragma once

// The "hardening" module's schema steps (issue 13): the client certificate
// each host may present, host revocations, and per-organisation history
// retention. Kept apart from "core" so its steps never collide with core's
// numbering. Conventions as in core_schema.h.
//
// Thread safety: the returned data is immutable.

#include <span>

#include "collector/store/sqlite/migrations.h"

namespace mamori::store {

std::span<const MigrationStep> HardeningMigrations();

}  // namespace mamori::store
