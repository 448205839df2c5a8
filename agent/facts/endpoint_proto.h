#pragma once

// Conversion of the whole EndpointFacts struct to its protobuf message
// (Linux only). Thread-safe.

#include "agent/facts/endpoint.h"
#include "common/status.h"
#include "mamori/v1/facts.pb.h"

namespace mamori::facts {

// Fills `out` (cleared first) from `facts`. Returns OK, or INTERNAL naming
// the field where the struct and the proto disagree (a build defect).
Status ToProto(const EndpointFacts& facts, mamori::v1::EndpointFacts* out);

}  // namespace mamori::facts
