#pragma once

// Versioned schema migrations, one ordered list of SQL steps per module.
//
// Each module ("core", "grading", "register") owns its steps; the table
// schema_migrations(module, version, applied_at) records what ran. The plain
// list of modules lives in migration_modules.cpp: adding a module is one line
// there. Steps are applied in list order (modules first in the order listed,
// then versions ascending), each step in its own transaction, so a database
// is never left with half a step. Steps already applied are skipped; a step
// version in the database that the binary does not know (a newer collector
// wrote it) is an error rather than a silent downgrade.
//
// Thread safety: call from one thread while nothing else uses the Database.

#include <cstdint>
#include <span>
#include <string_view>

#include "collector/store/sqlite/sqlite.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

struct MigrationStep {
  int version;           // 1, 2, 3 … ascending, never reused
  std::string_view sql;  // one or more statements
};

struct MigrationModule {
  std::string_view name;
  std::span<const MigrationStep> (*steps)();
};

// The modules this collector knows, in the order they are applied (core
// first: other modules reference its tables). Defined in migration_modules.cpp.
std::span<const MigrationModule> AllMigrationModules();

// Applies every pending step of `modules`. Returns OK when the schema is
// current; INTERNAL naming module and version when a step fails (that step
// is rolled back, earlier ones stay); FAILED_PRECONDITION when the database
// has a version newer than the binary knows.
Status ApplyMigrations(Database& db, std::span<const MigrationModule> modules,
                       const Clock& clock);

// The highest applied version of `module`, 0 when none (or the table is
// missing). Errors only on a broken database.
Result<int> AppliedVersion(Database& db, std::string_view module);

}  // namespace mamori::store
