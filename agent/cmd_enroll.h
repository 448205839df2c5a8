#pragma once

// `mamori-agent enroll`: exchange an enrollment token for this machine's
// host identity and store it, with the collector's CA, under the state
// directory (private files: 0600, or on Windows a DACL for the owner, SYSTEM
// and Administrators; see agent/platform/files.h).
//
// Exit codes: 0 enrolled; 2 usage; 3 collector unreachable; 4 refused (bad,
// expired, revoked or used-up token; CA fingerprint mismatch) or a local
// error. Not thread-safe with respect to one state directory.

#include <iosfwd>
#include <string>
#include <vector>

#include "common/clock.h"

namespace mamori::agent {

int RunEnrollCommand(const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err,
                     const Clock& clock = SystemClock::Instance());

}  // namespace mamori::agent
