#pragma once

// `mamori-collector user add|passwd|list|disable`: console accounts from
// the collector host's shell, for recovery (a lost operator password) and
// scripted set-up. Passwords are one-time: printed once, changed at the
// first console login. Every change goes to the audit log as "cli:<user>".
//
// Thread safety: CLI use.

#include <ostream>
#include <string>
#include <vector>

namespace mamori::web {

int RunUser(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err);

}  // namespace mamori::web
