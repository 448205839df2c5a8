#pragma once

// `mamori-collector hosts --org NAME [--format text|json] [--stale-after
// DURATION]`: the organisation's hosts with identity, first/last seen,
// reports stored, dropped-report count and flags (clone, stale).

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// Returns the process exit code (0 ok, 1 failure, 2 usage).
int RunHosts(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err);

}  // namespace mamori::collector_cli
