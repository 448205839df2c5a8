#pragma once

// Enrollment: trades a one-off token for a host identity and stores it,
// with the collector's CA, under the agent's state directory.
//
// The CA comes either from a file the administrator copied (`--ca FILE`) or
// from the collector itself, accepted only when its fingerprint matches the
// one given (`--ca-sha256 FP`; see tls_pin.h). Nothing is written unless the
// collector accepted the token.
//
// Not thread-safe with respect to one state directory.

#include <chrono>
#include <string>

#include "agent/transport/state_store.h"
#include "common/status.h"
#include "mamori/v1/collector.pb.h"

namespace mamori::transport {

struct EnrollOptions {
  std::string server;  // HOST:PORT
  std::string token;   // secret: never logged
  std::string ca_file;
  std::string ca_sha256;
  std::string state_dir;
  std::chrono::milliseconds timeout{30000};
};

struct EnrollOutcome {
  AgentIdentity identity;
  bool reattached = false;
  bool clone_suspected = false;
  // Shares one identifier with another host: recorded as a new host and
  // flagged for the administrator to merge.
  bool possible_duplicate = false;
  // Fingerprint of the CA now trusted.
  std::string ca_fingerprint;
};

// Returns the CA PEM to trust: read from ca_file (INVALID_ARGUMENT when it
// holds no certificate, NOT_FOUND when missing) or fetched and pinned
// (PERMISSION_DENIED when the fingerprint does not match, UNAVAILABLE when the
// collector cannot be reached).
Result<std::string> ResolveCa(const EnrollOptions& options);

// Enrolls with the identity and OS taken from `facts`. Returns the stored
// outcome, or the collector's error (UNAUTHENTICATED for a bad, expired,
// revoked or used-up token).
Result<EnrollOutcome> Enroll(const EnrollOptions& options,
                             const mamori::v1::EndpointFacts& facts);

}  // namespace mamori::transport
