#pragma once

// The "report" module's schema steps (#15): the tracked improvement items of
// each organisation's plan (status, owner, due date; closed and reopened by
// evidence for endpoint items) and their audit trail (who changed what,
// when; "evidence" for the automatic changes) — step 1; the scheduled
// report of each organisation and every run with its mail outcome — step 2.
//
// Thread safety: the returned data is immutable.

#include <span>

#include "collector/store/sqlite/migrations.h"

namespace mamori::store {

std::span<const MigrationStep> ReportMigrations();

}  // namespace mamori::store
