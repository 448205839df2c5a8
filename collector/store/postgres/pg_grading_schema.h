#pragma once

// The migration steps of the PostgreSQL grading, update-evidence and
// software modules (pg_grading_schema.cpp), listed in PgMigrationModules()
// after the fact views they read.
//
// Thread safety: immutable data.

#include <span>

#include "collector/store/postgres/pg_migrations.h"

namespace mamori::store::pg {

std::span<const PgMigrationStep> PgGradingSteps();
std::span<const PgMigrationStep> PgUpdateEvidenceSteps();
std::span<const PgMigrationStep> PgSoftwareSteps();

}  // namespace mamori::store::pg
