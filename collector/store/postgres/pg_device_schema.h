#pragma once

// The migration steps of the PostgreSQL devices module
// (pg_device_schema.cpp): the neighbours views, device sightings, marks,
// vendors and enrolled MACs of SQLite's grading v8 (sqlite/grading_schema.cpp),
// kept by trigger functions on host_facts and hosts; and the audit module,
// console_audit as h-pgconsole's console module declares it (MarkDevice
// appends to it), created only when absent so the two never differ.
//
// Thread safety: immutable data.

#include <span>

#include "collector/store/postgres/pg_migrations.h"

namespace mamori::store::pg {

std::span<const PgMigrationStep> PgAuditSteps();
std::span<const PgMigrationStep> PgDeviceSteps();

}  // namespace mamori::store::pg
