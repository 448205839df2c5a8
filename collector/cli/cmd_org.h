#pragma once

// `mamori-collector org create NAME [--industry CODE] [--employees N]
// [--region NAME]` and `org list [--format text|json]`: organisations
// (tenants). Industry and size are kept for peer comparison.

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// Returns the process exit code (0 ok, 1 failure, 2 usage).
int RunOrg(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err);

}  // namespace mamori::collector_cli
