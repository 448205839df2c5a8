#pragma once

// The migration steps of the PostgreSQL devices module
// (pg_device_schema.cpp): the neighbours views, device sightings, marks,
// vendors and enrolled MACs of SQLite's grading v8 (sqlite/grading_schema.cpp),
// kept by trigger functions on host_facts and hosts. MarkDevice appends to
// the console module's console_audit (pg_console_schema.cpp), which
// PgMigrationModules() lists first.
//
// Thread safety: immutable data.

#include <span>

#include "collector/store/postgres/pg_migrations.h"

namespace mamori::store::pg {

std::span<const PgMigrationStep> PgDeviceSteps();

}  // namespace mamori::store::pg
