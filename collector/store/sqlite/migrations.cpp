#include "collector/store/sqlite/migrations.h"

#include <algorithm>
#include <string>

namespace mamori::store {

Result<int> AppliedVersion(Database& db, std::string_view module) {
  Result<Statement> exists = db.Prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
      "'schema_migrations'");
  if (!exists.ok()) return exists.status();
  Result<bool> row = exists->Step();
  if (!row.ok()) return row.status();
  if (exists->ColumnInt(0) == 0) return 0;

  Result<Statement> query = db.Prepare(
      "SELECT coalesce(max(version), 0) FROM schema_migrations WHERE module = "
      "?1");
  if (!query.ok()) return query.status();
  query->Bind(1, module);
  row = query->Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(query->ColumnInt(0));
}

Status ApplyMigrations(Database& db, std::span<const MigrationModule> modules,
                       const Clock& clock) {
  MAMORI_RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
              " module TEXT NOT NULL,"
              " version INTEGER NOT NULL,"
              " applied_at INTEGER NOT NULL,"
              " PRIMARY KEY (module, version))"));

  // A module this collector does not know was added by a newer one.
  Result<Statement> listed =
      db.Prepare("SELECT DISTINCT module FROM schema_migrations");
  if (!listed.ok()) return listed.status();
  for (Result<bool> row = listed->Step(); row.ok() && *row;
       row = listed->Step()) {
    const std::string name = listed->ColumnText(0);
    if (std::none_of(
            modules.begin(), modules.end(),
            [&](const MigrationModule& m) { return m.name == name; })) {
      return FailedPreconditionError(
          "database schema has module '" + name +
          "', unknown to this collector: it was written by a newer "
          "mamori-collector; use that version / 新しいバージョンのコレクタが"
          "書いたデータです。そのバージョンを使ってください");
    }
  }

  for (const MigrationModule& module : modules) {
    Result<int> applied = AppliedVersion(db, module.name);
    if (!applied.ok()) return applied.status();
    std::span<const MigrationStep> steps = module.steps();
    int known = steps.empty() ? 0 : steps.back().version;
    if (*applied > known) {
      return FailedPreconditionError(
          "database schema of module '" + std::string(module.name) +
          "' is at version " + std::to_string(*applied) +
          " but this collector knows only up to " + std::to_string(known) +
          ": use a newer mamori-collector / 新しいバージョンのコレクタが"
          "書いたデータです");
    }
    for (const MigrationStep& step : steps) {
      if (step.version <= *applied) continue;
      std::string where = "migration " + std::string(module.name) + " v" +
                          std::to_string(step.version);
      Transaction tx(db);
      MAMORI_RETURN_IF_ERROR(tx.Begin().WithContext(where));
      MAMORI_RETURN_IF_ERROR(db.Exec(step.sql).WithContext(where));
      Result<Statement> record = db.Prepare(
          "INSERT INTO schema_migrations (module, version, applied_at) "
          "VALUES (?1, ?2, ?3)");
      if (!record.ok()) return record.status().WithContext(where);
      record->Bind(1, module.name)
          .Bind(2, static_cast<int64_t>(step.version))
          .Bind(3, ToUnixSeconds(clock.Now()));
      MAMORI_RETURN_IF_ERROR(record->Run().WithContext(where));
      MAMORI_RETURN_IF_ERROR(tx.Commit().WithContext(where));
    }
  }
  return Status::Ok();
}

}  // namespace mamori::store
