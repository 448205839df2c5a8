#pragma once

// The portable check dialect's helper functions (docs/policies.md, "The
// check dialect"), as SQLite functions on a check connection. A PostgreSQL
// backend defines the same names with CREATE FUNCTION, so a check's text
// runs unchanged on both:
//   utc_date(unix_seconds)      → 'YYYY-MM-DD' (UTC); NULL for NULL, for
//                                 text that is no number and outside years
//                                 0–9999
//   utc_datetime(unix_seconds)  → 'YYYY-MM-DD HH:MM:SS' (UTC), NULL for NULL
//   version_major(version)      → the leading integer after an optional
//                                 "epoch:" prefix ("1:120.0.1" → 120); 0 when
//                                 the text starts with no digit, NULL for NULL
//   version_compare(a, b)       → -1, 0 or 1 as version a is older than,
//                                 equal to or newer than b (common/version.h);
//                                 NULL when either is NULL
//   string_agg(value, separator) (aggregate) → the non-NULL values joined by
//                                 the separator in row order, NULL when none:
//                                 PostgreSQL's, and SQLite's own from 3.44.
//
// Thread safety: the functions keep no state beyond one aggregate's.

#include "collector/store/sqlite/sqlite.h"
#include "common/status.h"

namespace mamori::store {

// Registers the functions on `db`. Returns OK or the registration error.
Status RegisterCheckFunctions(sqlite3* db);

}  // namespace mamori::store
