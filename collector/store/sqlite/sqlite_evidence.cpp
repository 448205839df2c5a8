// SqliteStore's evidence flags (evidence_store.h, evidence_schema.h).
#include "collector/store/sqlite/sqlite_store.h"

namespace mamori::store {

Status SqliteStore::RecordEvidenceFlag(const PendingFlag& flag, int64_t now) {
  Result<Statement*> upsert = Stmt(
      "INSERT INTO host_evidence_flags (host_id, org_id, kind, detail, "
      "first_at, last_at, count) VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1) ON "
      "CONFLICT (host_id, kind) DO UPDATE SET detail = excluded.detail, "
      "last_at = excluded.last_at, count = count + 1");
  if (!upsert.ok()) return upsert.status();
  (*upsert)
      ->Bind(1, flag.host_id)
      .Bind(2, flag.org_id)
      .Bind(3, flag.kind)
      .Bind(4, flag.detail)
      .Bind(5, now);
  return (*upsert)->Run();
}

Status SqliteStore::WritePendingFlags(int64_t now) {
  for (const PendingFlag& flag : pending_flags_) {
    MAMORI_RETURN_IF_ERROR(RecordEvidenceFlag(flag, now));
  }
  pending_flags_.clear();
  return Status::Ok();
}

Result<std::vector<HostEvidenceFlag>> SqliteStore::ListEvidenceFlags(
    const std::string& org) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<Organization> found = FindOrgLocked(org);
  if (!found.ok()) return found.status();
  Result<Statement*> query = Stmt(
      "SELECT host_id, kind, detail, first_at, last_at, count FROM "
      "host_evidence_flags WHERE org_id = ?1 ORDER BY host_id, kind");
  if (!query.ok()) return query.status();
  Statement& s = **query;
  s.Bind(1, found->id);
  std::vector<HostEvidenceFlag> flags;
  while (true) {
    Result<bool> row = s.Step();
    if (!row.ok()) {
      s.Reset();
      return row.status();
    }
    if (!*row) break;
    HostEvidenceFlag f;
    f.host_id = s.ColumnInt(0);
    f.kind = s.ColumnText(1);
    f.detail = s.ColumnText(2);
    f.first_at = FromUnixSeconds(s.ColumnInt(3));
    f.last_at = FromUnixSeconds(s.ColumnInt(4));
    f.count = s.ColumnInt(5);
    flags.push_back(std::move(f));
  }
  s.Reset();
  return flags;
}

}  // namespace mamori::store
