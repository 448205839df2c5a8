#pragma once

// `mamori-collector answers import|export --org NAME FILE`: an organisation's
// questionnaire answers, grading settings and check parameter overrides as
// YAML, or JSON when FILE ends in .json (format: docs/policies.md). Import
// validates the whole file first and stores all of it or nothing; the
// previous answers stay as history. Thread-compatible (CLI use).

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// Returns the process exit code (0 ok, 1 failure, 2 usage error).
int RunAnswers(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err);

}  // namespace mamori::collector_cli
