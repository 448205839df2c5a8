#pragma once

// `mamori-agent run`: the service loop. Collects on an interval with jitter
// (default 1 h, `--interval`), commits each report to the spool, delivers
// the spool, and between collections retries undelivered reports with
// exponential backoff and jitter, never sooner than the collector's
// retry-after. A stop request (agent/platform/stop.h: SIGTERM or SIGINT;
// on Windows Ctrl+C/Ctrl+Break/console close, or the service manager's stop
// with --service) stops it cleanly: an RPC in flight finishes (its
// acknowledgement is committed) before the process exits.
//
// Exit codes: 0 stopped (or after --max-cycles); 2 usage (also --service
// outside Windows); 4 could not start (not enrolled, unreadable state, or
// --service when not started by the service control manager). Runs on the
// calling thread; on POSIX blocks SIGTERM/SIGINT in it.

#include <iosfwd>
#include <string>
#include <vector>

#include "common/clock.h"

namespace mamori::agent {

int RunRunCommand(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err,
                  const Clock& clock = SystemClock::Instance());

}  // namespace mamori::agent
