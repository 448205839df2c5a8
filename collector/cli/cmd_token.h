#pragma once

// `mamori-collector token create --org NAME [--expires DURATION] [--uses N]
// [--quiet]`, `token list [--org NAME] [--format text|json]` and
// `token revoke ID|PREFIX`: enrollment tokens, stored hashed.

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// Returns the process exit code (0 ok, 1 failure, 2 usage).
int RunToken(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err);

}  // namespace mamori::collector_cli
