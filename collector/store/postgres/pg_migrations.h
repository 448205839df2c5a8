#pragma once

// Versioned schema migrations of the PostgreSQL backend, in the shape of the
// SQLite backend's (sqlite/migrations.h): one ordered list of SQL steps per
// module, recorded in schema_migrations(module, version, applied_at), each
// step in its own transaction, a version or module the binary does not know
// refused. Several collectors may start at once on one database: the whole
// run holds a session advisory lock, so one applies the steps and the others
// then find them applied.
//
// Module contents differ from SQLite's (types, partitioning) but the names
// and the tables they describe are the same; pg_schema.cpp holds them.
//
// Thread safety: call from one thread while nothing else uses the Connection.

#include <span>
#include <string_view>

#include "collector/store/postgres/pg.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::store::pg {

struct PgMigrationStep {
  int version;           // 1, 2, 3 … ascending, never reused
  std::string_view sql;  // one or more statements
};

struct PgMigrationModule {
  std::string_view name;
  std::span<const PgMigrationStep> steps;
};

// The modules of the PostgreSQL schema in the order they are applied.
std::span<const PgMigrationModule> PgMigrationModules();

// Applies every pending step of `modules`. Returns OK when the schema is
// current; the step's error naming module and version when one fails (that
// step rolled back, earlier ones stay); FAILED_PRECONDITION when the
// database holds a module or a version newer than the binary knows.
Status ApplyPgMigrations(Connection& conn,
                         std::span<const PgMigrationModule> modules,
                         const Clock& clock);

// The highest applied version of `module`; 0 when none.
Result<int> PgAppliedVersion(Connection& conn, std::string_view module);

}  // namespace mamori::store::pg
