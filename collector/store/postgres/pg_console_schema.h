#pragma once

// The migration steps of the PostgreSQL console and report modules
// (pg_console_schema.cpp): console accounts, API tokens, sessions and the
// audit log; improvement items, report schedules and runs. Same tables and
// columns as SQLite's console_schema.cpp and report_schema.cpp, listed in
// PgMigrationModules() after the core and grading modules they refer to.
//
// Thread safety: immutable data.

#include <span>

#include "collector/store/postgres/pg_migrations.h"

namespace mamori::store::pg {

std::span<const PgMigrationStep> PgConsoleSteps();
std::span<const PgMigrationStep> PgReportSteps();

}  // namespace mamori::store::pg
