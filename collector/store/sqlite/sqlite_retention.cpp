// SqliteStore: per-organisation history retention (issue 13.4). Apart from
// sqlite_store.cpp so the store's big file keeps its shape.
#include <string>

#include "collector/store/sqlite/sqlite_store.h"

namespace mamori::store {

Status SqliteStore::SetHistoryRetention(const std::string& org, int days) {
  if (days < 1 || days > 36500) {
    return InvalidArgumentError(
        "history retention must be 1 to 36500 days, "
        "got " +
        std::to_string(days));
  }
  std::lock_guard<std::mutex> lock(mu_);
  Result<Organization> found = FindOrgLocked(org);
  if (!found.ok()) return found.status();
  Result<Statement*> upsert = Stmt(
      "INSERT INTO org_history_retention (org_id, days) VALUES (?1, ?2) ON "
      "CONFLICT (org_id) DO UPDATE SET days = excluded.days");
  if (!upsert.ok()) return upsert.status();
  (*upsert)->Bind(1, found->id).Bind(2, static_cast<int64_t>(days));
  return (*upsert)->Run();
}

Result<int> SqliteStore::HistoryRetention(const std::string& org) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Organization> found = FindOrgLocked(org);
  if (!found.ok()) return found.status();
  Result<Statement*> query =
      Stmt("SELECT days FROM org_history_retention WHERE org_id = ?1");
  if (!query.ok()) return query.status();
  (*query)->Bind(1, found->id);
  Result<bool> row = (*query)->Step();
  if (!row.ok()) return row.status();
  const int days =
      *row ? static_cast<int>((*query)->ColumnInt(0)) : kDefaultHistoryDays;
  (*query)->Reset();
  return days;
}

Result<int64_t> SqliteStore::PruneHistory(int64_t max_rows) {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = ToUnixSeconds(clock_.Now());
  // Oldest first by the received_at index; a row is deleted when it is
  // older than its organisation's retention (or the default).
  static constexpr const char* kPrune[] = {
      "DELETE FROM fact_history WHERE id IN (SELECT f.id FROM fact_history f "
      "LEFT JOIN org_history_retention r ON r.org_id = f.org_id WHERE "
      "f.received_at < ?1 - 86400 * coalesce(r.days, ?2) ORDER BY "
      "f.received_at LIMIT ?3)",
      "DELETE FROM package_changes WHERE id IN (SELECT c.id FROM "
      "package_changes c LEFT JOIN org_history_retention r ON r.org_id = "
      "c.org_id WHERE c.received_at < ?1 - 86400 * coalesce(r.days, ?2) "
      "ORDER BY c.received_at LIMIT ?3)",
  };
  int64_t deleted = 0;
  Transaction tx(db_);
  MAMORI_RETURN_IF_ERROR(tx.Begin());
  for (const char* sql : kPrune) {
    if (deleted >= max_rows) break;
    Result<Statement*> prune = Stmt(sql);
    if (!prune.ok()) return prune.status();
    (*prune)
        ->Bind(1, now)
        .Bind(2, static_cast<int64_t>(kDefaultHistoryDays))
        .Bind(3, max_rows - deleted);
    MAMORI_RETURN_IF_ERROR((*prune)->Run());
    deleted += db_.Changes();
  }
  MAMORI_RETURN_IF_ERROR(tx.Commit());
  return deleted;
}

}  // namespace mamori::store
