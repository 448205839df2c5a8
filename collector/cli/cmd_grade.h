#pragma once

// `mamori-collector grade --org NAME [--format text|json] [--lang ja|en]`:
// runs every check for the organisation against its current facts, stores
// the results and a grade snapshot, and prints per rule the grade, the four
// viewpoints, the technical-measure verdict with n/m endpoints and the oldest
// evidence, failing endpoints with their evidence values and remediation;
// then trend topics, discrepancies, first-diagnosis and IPA results when
// answered, and the improvement list.
//
// Thread-compatible (CLI use).

#include <ostream>
#include <string>
#include <vector>

#include "collector/policy/grading_service.h"

namespace mamori::collector_cli {

// Returns the process exit code (0 ok, 1 failure, 2 usage error).
int RunGrade(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err);

// Opens the store of DATA_DIR (applying pending migrations) and the grading
// service with custom policies from `policies` (default DATA_DIR/policies).
Result<std::unique_ptr<policy::GradingService>> OpenGradingService(
    const std::string& data_dir, const std::string& policies,
    const std::string& store_url = "");

// The report as text in `lang` ("ja" or "en"), or as JSON.
std::string RenderGradeText(const policy::GradeReport& report,
                            const policy::Questionnaires& questionnaires,
                            const std::string& lang);
std::string RenderGradeJson(const policy::GradeReport& report);

}  // namespace mamori::collector_cli
