#include "collector/store/postgres/pg_audit_rows.h"

namespace mamori::store::pg {
namespace {

// Statements are cached by the address of their SQL (pg.h), so each trail
// keeps its own literal.
constexpr char kAlertAuditInsert[] =
    "INSERT INTO alert_audit (org_id, at, who, action, detail) "
    "VALUES ($1, $2, $3, $4, $5)";
constexpr char kSoftwareAuditInsert[] =
    "INSERT INTO software_audit (org_id, at, who, action, detail) "
    "VALUES ($1, $2, $3, $4, $5)";

}  // namespace

Status AppendTrailAudit(Connection& conn, AuditTrail trail, int64_t org_id,
                        TimePoint at, const std::string& who,
                        const std::string& action, const std::string& detail) {
  const char* sql =
      trail == AuditTrail::kAlerts ? kAlertAuditInsert : kSoftwareAuditInsert;
  return conn
      .Query(sql, Params()
                      .Add(org_id)
                      .Add(ToUnixSeconds(at))
                      .Add(who)
                      .Add(action)
                      .Add(detail))
      .status();
}

Status AppendConsoleAudit(Connection& conn, const AuditEntry& entry) {
  return conn
      .Query(
          "INSERT INTO console_audit (at, actor, source, action, target, "
          "org_id, before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, "
          "$7, $8)",
          Params()
              .Add(ToUnixSeconds(entry.at))
              .Add(entry.actor)
              .Add(entry.source)
              .Add(entry.action)
              .Add(entry.target)
              .Add(entry.org_id)
              .Add(entry.before_json.empty() ? "{}" : entry.before_json)
              .Add(entry.after_json.empty() ? "{}" : entry.after_json))
      .status();
}

}  // namespace mamori::store::pg
