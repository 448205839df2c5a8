#include "collector/store/postgres/pg_migrations.h"

#include <algorithm>
#include <string>

namespace mamori::store::pg {
namespace {

// Session advisory lock held while migrating ('mamo' 'rimi' as two int4).
constexpr char kLock[] = "SELECT pg_advisory_lock(1835101551, 1919511913)";
constexpr char kUnlock[] = "SELECT pg_advisory_unlock(1835101551, 1919511913)";

Status Apply(Connection& conn, std::span<const PgMigrationModule> modules,
             const Clock& clock) {
  MAMORI_RETURN_IF_ERROR(
      conn.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                " module text NOT NULL,"
                " version integer NOT NULL,"
                " applied_at bigint NOT NULL,"
                " PRIMARY KEY (module, version))"));
  Result<Rows> listed =
      conn.QueryOnce("SELECT DISTINCT module FROM schema_migrations");
  if (!listed.ok()) return listed.status();
  for (int i = 0; i < listed->size(); ++i) {
    const std::string name = listed->Text(i, 0);
    if (std::none_of(
            modules.begin(), modules.end(),
            [&](const PgMigrationModule& m) { return m.name == name; })) {
      return FailedPreconditionError(
          "database schema has module '" + name +
          "', unknown to this collector: it was written by a newer "
          "mamori-collector; use that version / 新しいバージョンのコレクタが"
          "書いたデータです。そのバージョンを使ってください");
    }
  }
  for (const PgMigrationModule& module : modules) {
    Result<int> applied = PgAppliedVersion(conn, module.name);
    if (!applied.ok()) return applied.status();
    const int known = module.steps.empty() ? 0 : module.steps.back().version;
    if (*applied > known) {
      return FailedPreconditionError(
          "database schema of module '" + std::string(module.name) +
          "' is at version " + std::to_string(*applied) +
          " but this collector knows only up to " + std::to_string(known) +
          ": use a newer mamori-collector / 新しいバージョンのコレクタが"
          "書いたデータです");
    }
    for (const PgMigrationStep& step : module.steps) {
      if (step.version <= *applied) continue;
      const std::string where = "migration " + std::string(module.name) + " v" +
                                std::to_string(step.version);
      Transaction tx(conn);
      MAMORI_RETURN_IF_ERROR(tx.Begin().WithContext(where));
      MAMORI_RETURN_IF_ERROR(conn.Exec(step.sql).WithContext(where));
      Result<Rows> recorded = conn.QueryOnce(
          "INSERT INTO schema_migrations (module, version, applied_at) "
          "VALUES ($1, $2, $3)",
          Params()
              .Add(module.name)
              .Add(static_cast<int64_t>(step.version))
              .Add(ToUnixSeconds(clock.Now())));
      if (!recorded.ok()) return recorded.status().WithContext(where);
      MAMORI_RETURN_IF_ERROR(tx.Commit().WithContext(where));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<int> PgAppliedVersion(Connection& conn, std::string_view module) {
  Result<Rows> exists =
      conn.QueryOnce("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists.ok()) return exists.status();
  if (exists->Int(0, 0) == 0) return 0;
  Result<Rows> version = conn.QueryOnce(
      "SELECT coalesce(max(version), 0) FROM schema_migrations WHERE module = "
      "$1",
      Params().Add(module));
  if (!version.ok()) return version.status();
  return static_cast<int>(version->Int(0, 0));
}

Status ApplyPgMigrations(Connection& conn,
                         std::span<const PgMigrationModule> modules,
                         const Clock& clock) {
  MAMORI_RETURN_IF_ERROR(conn.Exec(kLock));
  Status status = Apply(conn, modules, clock);
  // Released on disconnect too; a failed unlock changes nothing here.
  (void)conn.Exec(kUnlock);
  return status;
}

}  // namespace mamori::store::pg
