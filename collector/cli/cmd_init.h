#pragma once

// `mamori-collector init`: creates the data directory (0700) with the SQLite
// database, the private CA, the server certificate and the admin account
// whose password is printed once. Refuses to touch an initialised directory.

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// Returns the process exit code (0 ok, 1 failure, 2 usage).
int RunInit(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err);

}  // namespace mamori::collector_cli
