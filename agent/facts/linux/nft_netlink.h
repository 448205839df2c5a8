#pragma once

// The nftables ruleset summarised through nfnetlink (NFT_MSG_GETCHAIN and
// NFT_MSG_GETRULE dumps), so the agent needs neither the `nft` binary nor a
// child process. Thread-safe (no shared state).

#include "agent/facts/firewall.h"
#include "common/status.h"

namespace mamori::facts::linux_util {

// Returns the summary of every table (all families). Errors:
// PERMISSION_DENIED without CAP_NET_ADMIN; UNIMPLEMENTED when the kernel has
// no nf_tables; UNAVAILABLE for other netlink failures, naming the call.
Result<RulesetSummary> ReadNftRuleset();

}  // namespace mamori::facts::linux_util
