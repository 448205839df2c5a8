#pragma once

// The migration steps of the PostgreSQL alerts module (pg_alert_schema.cpp):
// the tables of SQLite's alerts module v1–v2 (sqlite/alert_schema.cpp) with
// the same names and columns, so `migrate` copies them as they are.
//
// Thread safety: immutable data.

#include <span>

#include "collector/store/postgres/pg_migrations.h"

namespace mamori::store::pg {

std::span<const PgMigrationStep> PgAlertSteps();

}  // namespace mamori::store::pg
