#pragma once

// The SQLite side of the declared fact views (store/schema/fact_views.h):
// the SQLite dialect of the renderer, and the schema step that brings a
// database's fact views to the declarations.
//
// The versioned migrations (migrations.h) created the views by hand until
// grading v7; they stay as shipped. After them, SyncFactViews compares each
// rendered view with the text sqlite_master holds and recreates only the
// views that differ, in one transaction. For an extraction view
// (gfact_<table>_src) that changed it also appends the table columns the
// declaration added (ALTER TABLE … ADD COLUMN) and refreshes the rows of the
// hosts whose stored rows differ from what the view now extracts, so a new
// view column is one declaration line and no hand-written migration.
//
// Thread safety: call from one thread while nothing else uses the Database.

#include "collector/store/schema/fact_views.h"
#include "collector/store/sqlite/sqlite.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

// json_extract, json_each, unixepoch: SQLite's JSON1 functions.
class SqliteFactViewDialect final : public FactViewDialect {
 public:
  std::string Value(std::string_view doc, std::string_view path,
                    ColumnType type) const override;
  std::string ArrayLength(std::string_view doc,
                          std::string_view path) const override;
  std::string IsObject(std::string_view doc,
                       std::string_view path) const override;
  std::string IsPresent(std::string_view doc,
                        std::string_view path) const override;
  std::string UnixSeconds(std::string_view text) const override;
  std::string ValidOrNull(std::string_view doc) const override;
  std::string IsValid(std::string_view doc) const override;
  std::string Each(std::string_view doc, std::string_view path,
                   std::string_view alias) const override;
  std::string EachOrdinal(std::string_view alias) const override;
  std::string EachIndex(std::string_view alias) const override;
  std::string EachObject(std::string_view alias) const override;
  std::string JoinStrings(std::string_view doc, std::string_view path,
                          std::string_view separator) const override;
};

// What SyncFactViews did (for tests and the log).
struct FactViewSync {
  int views_recreated = 0;
  int columns_added = 0;
  int64_t rows_refreshed = 0;  // table rows deleted and inserted again
};

// Brings the fact views to the declarations (see above). Returns what it
// changed (all zero when the database already matched); FAILED_PRECONDITION
// when a table an extraction view fills is missing, has columns after the
// declared ones (a newer collector wrote it: use that version), or its
// columns are otherwise not a prefix of the declared ones (a column was
// renamed, removed or moved in the declarations, which the contract
// forbids); INTERNAL naming the view when a statement fails. On error
// nothing is changed.
Result<FactViewSync> SyncFactViews(Database& db);

// The whole schema: every migration module (AllMigrationModules), then
// SyncFactViews. What a store calls when it opens a database.
Status ApplySchema(Database& db, const Clock& clock);

}  // namespace mamori::store
