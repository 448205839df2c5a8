#pragma once

// `mamori-collector serve`: runs the gRPC collector until SIGTERM/SIGINT,
// then shuts down gracefully (stop accepting, finish in-flight reports,
// drain the queue, commit, exit 0).

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// Returns the process exit code (0 after a clean shutdown, 1 failure,
// 2 usage).
int RunServe(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err);

}  // namespace mamori::collector_cli
