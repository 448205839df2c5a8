#pragma once

// Moving up (issue #17): copies a SQLite collector database into a
// PostgreSQL one, for `mamori-collector migrate --from sqlite:DIR --to
// postgresql://…`. The one unit that sees both backends' connections.
//
// What is copied is decided by the two schemas, not by a list here: every
// table of the SQLite database that PostgreSQL also has as a table, with
// the columns both have (PostgreSQL's generated columns are recomputed),
// rows and ids unchanged, so hosts keep their node-key hashes and
// certificates and the agents need no change. Tables are filled parents
// first (the target's foreign keys), the history partitions for every month
// present are created, and each identity sequence is moved past the highest
// id copied. Not copied, each listed with its reason: SQLite's own tables
// (schema_migrations, sqlite_*), tables that PostgreSQL computes as views
// (the grading module's gfact_* tables), and tables with no PostgreSQL
// counterpart in this build (refused while they hold rows, unless
// `allow_missing`).
//
// Consistency: the source is read in one SQLite read transaction (a
// snapshot: a running `serve` may go on writing), and the target is written
// in one PostgreSQL transaction that commits only when every table's count
// matches the source's. A failure rolls everything back: the target is left
// as it was.
//
// Thread safety: call from one thread.

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

struct MigrateOptions {
  // Empty the target's tables first (in the same transaction). Without it
  // a target whose copied tables hold any row is refused.
  bool replace = false;
  // Copy even when tables without a PostgreSQL counterpart hold rows (they
  // stay behind, listed).
  bool allow_missing = false;
};

struct MigratedTable {
  std::string table;
  int64_t source_rows = 0;
  int64_t target_rows = 0;  // counted in the target after the copy
  std::string reason;       // why it was not copied ("" when copied)
};

struct MigrateOutcome {
  std::vector<MigratedTable> copied;  // in the order they were filled
  std::vector<MigratedTable> not_copied;
};

// Copies the SQLite database at `sqlite_path` into the PostgreSQL database
// at `pg_url` (its schema created or brought up to date first). Returns the
// tables copied with their counts; NOT_FOUND when the SQLite file is
// absent; INVALID_ARGUMENT for a URL that is not postgresql://;
// UNAVAILABLE when the server cannot be reached; FAILED_PRECONDITION when
// either schema is not this binary's (newer, or an older SQLite one: run
// any command of this version on it first), when the target holds data and
// `replace` is not set, or when tables that cannot be copied hold rows and
// `allow_missing` is not set; the database's error otherwise. On any error
// no row is written to the target (only its schema may have been created).
Result<MigrateOutcome> MigrateSqliteToPostgres(const std::string& sqlite_path,
                                               const std::string& pg_url,
                                               const MigrateOptions& options,
                                               const Clock& clock);

}  // namespace mamori::store
