#pragma once

// The "core" module's schema steps: organisations, tokens, hosts, current
// facts with their history, reports, packages. Other modules (grading,
// register) build on these tables; see the column notes in core_schema.cpp.
//
// Conventions every module follows:
// - Every row belongs to one organisation: tables carry org_id and every
//   query filters on it.
// - Times are INTEGER Unix seconds (UTC); NULL means unknown.
// - Facts are protobuf JSON with proto field names (json_extract works on
//   them in SQLite; PostgreSQL will use jsonb).
// Thread safety: the returned data is immutable.

#include <span>

#include "collector/store/sqlite/migrations.h"

namespace mamori::store {

std::span<const MigrationStep> CoreMigrations();

}  // namespace mamori::store
