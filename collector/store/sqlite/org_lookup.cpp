#include "collector/store/sqlite/org_lookup.h"

namespace mamori::store {

Result<int64_t> OrgIdByName(Database& db, const std::string& org) {
  auto st = db.Prepare("SELECT id FROM organizations WHERE name = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, org);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundError("organisation \"" + org + "\" not found");
  return st->ColumnInt(0);
}

}  // namespace mamori::store
