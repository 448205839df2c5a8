#pragma once

// The SQLite backend of ReportStore (report_store.h). Programs get it from
// OpenReportStore (open_store.h); only the factory and tests name this.

#include <memory>
#include <string>

#include "collector/store/report_store.h"
#include "common/status.h"

namespace mamori::store {

// Opens the SQLite report store on the collector database at `path` (which
// the collector has migrated). NOT_FOUND when the file is absent.
Result<std::unique_ptr<ReportStore>> OpenSqliteReportStore(
    const std::string& path);

}  // namespace mamori::store
