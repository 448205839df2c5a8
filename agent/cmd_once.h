#pragma once

// `mamori-agent once`: collect now, commit the report to the spool, send
// everything queued and wait for the collector's acknowledgement.
//
// Exit codes: 0 sent and acknowledged; 3 queued (collector unreachable or
// busy; the report stays in the spool for the next attempt); 4 failed
// (refused by the collector, e.g. bad node key, or a local error); 2 usage.
//
// The session helpers are shared with `run`. Not thread-safe with respect to
// one state directory's session.

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "agent/config/agent_config.h"
#include "agent/config/command_line.h"  // kExitUsage
#include "agent/spool/spool.h"
#include "agent/transport/collector_client.h"
#include "agent/transport/state_store.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::agent {

inline constexpr int kExitSent = 0;
inline constexpr int kExitQueued = 3;
inline constexpr int kExitFailed = 4;

// Everything a delivering command needs, opened from the config.
struct AgentSession {
  AgentConfig config;
  transport::AgentIdentity identity;
  std::unique_ptr<Spool> spool;
  std::unique_ptr<transport::CollectorClient> client;
};

// Loads the identity and CA from the state directory and opens the spool and
// the channel. A damaged spool is moved aside and a new one started (see
// Spool::OpenOrRecover; logged as an error). FAILED_PRECONDITION when not
// enrolled; other errors name the file.
Result<AgentSession> OpenSession(const AgentConfig& config, const Clock& clock);

// After a spool call answered DATA_LOSS (a page damaged while running):
// closes the spool and opens it again through Spool::OpenOrRecover. OK when
// the session has a working spool again.
Status RecoverSpool(AgentSession& session, const Clock& clock);

// Collects per the config (root, families), stamps a fresh report id and
// commits the report to the spool. Returns the report id.
Result<std::string> CollectAndSpool(AgentSession& session, const Clock& clock);

// Returns a new random (version 4) UUID in lower-case 8-4-4-4-12 form, or
// INTERNAL when the random number generator fails.
Result<std::string> NewReportId();

int RunOnceCommand(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err,
                   const Clock& clock = SystemClock::Instance());

}  // namespace mamori::agent
