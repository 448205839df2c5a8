#pragma once

// `mamori-collector hosts revoke --org NAME ID`: revokes a host's node key
// and client certificate at once (a stolen or retired PC), and
// `mamori-collector org retention --org NAME [--days N]`: shows or sets how
// many days of fact and package history the organisation keeps.

#include <ostream>
#include <string>
#include <vector>

namespace mamori::collector_cli {

// Both return the process exit code (0 ok, 1 failure, 2 usage).
int RunHostsRevoke(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err);
int RunOrgRetention(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err);

}  // namespace mamori::collector_cli
