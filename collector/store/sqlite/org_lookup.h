#pragma once

// The id of an organisation by name, for the SQLite stores whose ports take
// a name (register, software, alerts).
//
// Thread safety: as the Database it is given.

#include <cstdint>
#include <string>

#include "collector/store/sqlite/sqlite.h"
#include "common/status.h"

namespace mamori::store {

// NOT_FOUND naming `org` when there is no such organisation; the database
// error otherwise.
Result<int64_t> OrgIdByName(Database& db, const std::string& org);

}  // namespace mamori::store
