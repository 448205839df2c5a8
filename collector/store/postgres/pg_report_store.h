#pragma once

// The PostgreSQL backend of ReportStore (report_store.h), over the report
// module of pg_console_schema.cpp and the grading module's answers, with
// the same behaviour as SQLite's. Programs get it from OpenReportStore
// (open_store.h).
//
// Thread safety: one thread at a time (it owns one connection), as the port
// says.

#include <memory>
#include <string>

#include "collector/store/report_store.h"
#include "common/status.h"

namespace mamori::store::pg {

// Connects to `url` (a database PostgresStore::Open migrated). Returns the
// store or UNAVAILABLE.
Result<std::unique_ptr<ReportStore>> OpenPgReportStore(const std::string& url);

}  // namespace mamori::store::pg
