#pragma once

// `mamori-agent run`: the service loop. Collects on an interval with jitter
// (default 1 h, `--interval`), commits each report to the spool, delivers
// the spool, and between collections retries undelivered reports with
// exponential backoff and jitter, never sooner than the collector's
// retry-after. SIGTERM or SIGINT stops it cleanly: an RPC in flight finishes
// (its acknowledgement is committed) before the process exits.
//
// Exit codes: 0 stopped by a signal (or after --max-cycles); 2 usage; 4 could
// not start (not enrolled, unreadable state). Runs on the calling thread;
// blocks SIGTERM/SIGINT in it.

#include <iosfwd>
#include <string>
#include <vector>

#include "common/clock.h"

namespace mamori::agent {

int RunRunCommand(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err,
                  const Clock& clock = SystemClock::Instance());

}  // namespace mamori::agent
