#pragma once

// The migration steps of the PostgreSQL register module
// (pg_register_schema.cpp): the same tables and columns as the SQLite
// module of that name (sqlite/register_schema.cpp), listed in
// PgMigrationModules() after the core tables they reference.
//
// Thread safety: immutable data.

#include <span>

#include "collector/store/postgres/pg_migrations.h"

namespace mamori::store::pg {

std::span<const PgMigrationStep> PgRegisterSteps();

}  // namespace mamori::store::pg
