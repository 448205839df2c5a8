#pragma once

// The audit rows the PostgreSQL stores append, each insert written once:
// the organisation trails of the alert and software settings (alert_audit,
// software_audit: who did what, with a detail line) and the console's audit
// log (console_audit, which the account and device stores both append to).
// Each runs inside the caller's transaction when one is open.
//
// Thread safety: as pg.h (the caller serialises access to `conn`).

#include <cstdint>
#include <string>

#include "collector/store/account_store.h"
#include "collector/store/postgres/pg.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::store::pg {

// Which organisation trail a row goes to; both tables have the columns
// (org_id, at, who, action, detail).
enum class AuditTrail { kAlerts, kSoftware };

// Appends one row to `trail`. Returns OK, or the insert's error.
Status AppendTrailAudit(Connection& conn, AuditTrail trail, int64_t org_id,
                        TimePoint at, const std::string& who,
                        const std::string& action, const std::string& detail);

// Appends `entry` to console_audit (its id is ignored; an empty before or
// after is stored as "{}"). Returns OK, or the insert's error.
Status AppendConsoleAudit(Connection& conn, const AuditEntry& entry);

}  // namespace mamori::store::pg
