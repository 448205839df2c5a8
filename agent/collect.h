#pragma once

// One call that collects facts and returns the wire message, for every agent
// command that needs them (facts, enroll, once, run). Thread-safe as long as
// callers do not share the output.

#include <string>
#include <vector>

#include "agent/facts/types.h"
#include "common/status.h"
#include "mamori/v1/facts.pb.h"

namespace mamori::agent {

// Collects the named families (all when `families` is empty) with identity,
// agent_version and collected_at filled. Returns INVALID_ARGUMENT for an
// unknown family name (the message lists the valid ones) and INTERNAL only if
// a struct and the proto disagree (a build defect). Families that cannot be
// read are not errors: they carry their status inside the message.
Result<mamori::v1::EndpointFacts> CollectEndpointFacts(
    const facts::GatherContext& ctx, const std::vector<std::string>& families);

}  // namespace mamori::agent
