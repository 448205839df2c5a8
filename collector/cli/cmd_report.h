#pragma once

// `mamori-collector report --org NAME [--format pdf|html] [--lang ja|en]
//  --out FILE`: runs the organisation's checks (as `grade` does, storing the
// results and a grade snapshot) and writes the diagnosis report (#15,
// docs/reports.md) as PDF or print-ready HTML.
// `report schedule --org NAME --every 30d [--to a@…,b@…]` sets the
// organisation's scheduled report; `report run-due [--smtp-host …]` (run
// daily by a timer) writes every due report to DATA/reports/ORG_ID/, mails
// it over SMTP with STARTTLS when recipients are set, and keeps each run
// with its outcome (the error when sending failed); `report runs --org NAME`
// lists them.
//
// Thread-compatible (CLI use).

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// Returns the process exit code (0 ok, 1 failure, 2 usage error).
int RunReport(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

// `mamori-collector improvements list --org NAME` and `improvements set
// --org NAME --id N [--status open|in_progress|done] [--owner TEXT]
// [--due YYYY-MM-DD] [--actor NAME]`: the tracked improvement plan
// (collector/report/followup.h); every change is audited.
int RunImprovements(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err);

}  // namespace mamori::collector_cli
