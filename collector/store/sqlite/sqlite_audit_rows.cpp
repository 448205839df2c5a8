#include "collector/store/sqlite/sqlite_audit_rows.h"

namespace mamori::store {

Status AppendTrailAudit(Database& db, AuditTrail trail, int64_t org_id,
                        TimePoint at, const std::string& who,
                        const std::string& action, const std::string& detail) {
  Result<Statement> s = db.Prepare(
      trail == AuditTrail::kAlerts
          ? "INSERT INTO alert_audit (org_id, at, who, action, detail) "
            "VALUES (?1, ?2, ?3, ?4, ?5)"
          : "INSERT INTO software_audit (org_id, at, who, action, detail) "
            "VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!s.ok()) return s.status();
  s->Bind(1, org_id)
      .Bind(2, ToUnixSeconds(at))
      .Bind(3, who)
      .Bind(4, action)
      .Bind(5, detail);
  return s->Run();
}

Status AppendConsoleAudit(Database& db, const AuditEntry& entry) {
  Result<Statement> s = db.Prepare(
      "INSERT INTO console_audit (at, actor, source, action, target, org_id, "
      "before_json, after_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!s.ok()) return s.status();
  s->Bind(1, ToUnixSeconds(entry.at))
      .Bind(2, entry.actor)
      .Bind(3, entry.source)
      .Bind(4, entry.action)
      .Bind(5, entry.target)
      .Bind(6, entry.org_id)
      .Bind(7, entry.before_json.empty() ? "{}" : entry.before_json)
      .Bind(8, entry.after_json.empty() ? "{}" : entry.after_json);
  return s->Run();
}

}  // namespace mamori::store
