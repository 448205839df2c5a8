#pragma once

// `mamori-collector report --org NAME [--format pdf|html] [--lang ja|en]
//  --out FILE`: runs the organisation's checks (as `grade` does, storing the
// results and a grade snapshot) and writes the diagnosis report (#15,
// docs/reports.md) as PDF or print-ready HTML.
//
// Thread-compatible (CLI use).

#include <ostream>
#include <string>
#include <vector>

#include "collector/policy/grading_service.h"
#include "collector/report/report_model.h"

namespace mamori::collector_cli {

// Returns the process exit code (0 ok, 1 failure, 2 usage error).
int RunReport(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

// The model of `org`'s report: runs the checks (`evaluate`) or reads the
// stored results, and adds the grade history. NOT_FOUND for an unknown
// organisation.
Result<report::ReportModel> LoadReportModel(policy::GradingService& service,
                                            const std::string& org,
                                            bool evaluate);

}  // namespace mamori::collector_cli
