#pragma once

// The agent's enrollment state under its state directory (default
// /var/lib/mamori, `--state DIR`):
//   identity.json  host id, node key, collector address, organisation (0600)
//   ca.pem         the collector's CA certificate (0600)
//   spool.db       the report queue (see agent/spool)
// Files are written atomically (temporary file, fsync, rename, fsync of the
// directory) so a crash leaves either the old or the new file, never half.
//
// Functions are thread-safe as long as two of them do not write the same
// state directory at once.

#include <string>

#include "common/status.h"

namespace mamori::transport {

struct AgentIdentity {
  std::string host_id;
  // Secret: never log it.
  std::string node_key;
  // HOST:PORT of the collector enrolled with.
  std::string server;
  std::string organization;
};

// Creates `dir` (and parents) with mode 0700 when missing. Returns INTERNAL
// naming the path on failure.
Status EnsureStateDir(const std::string& dir);

// Writes `content` to `path` atomically with mode 0600.
Status WriteFileAtomically(const std::string& path, const std::string& content);

std::string IdentityPath(const std::string& state_dir);
std::string CaPath(const std::string& state_dir);
std::string SpoolPath(const std::string& state_dir);

Status SaveIdentity(const std::string& state_dir, const AgentIdentity& id);

// Returns the stored identity; FAILED_PRECONDITION "not enrolled" when
// identity.json is missing; DATA_LOSS naming the file when it is corrupt.
Result<AgentIdentity> LoadIdentity(const std::string& state_dir);

}  // namespace mamori::transport
