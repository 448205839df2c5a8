#pragma once

// The agent's enrollment state under its state directory (default
// /var/lib/mamori, on Windows %ProgramData%\mamori\state; `--state DIR`):
//   identity.json  host id, node key, collector address, organisation
//   ca.pem         the collector's CA certificate
//   spool.db       the report queue (see agent/spool)
// The directory and files are private (0700/0600; on Windows a DACL for the
// owner, SYSTEM and Administrators only) and written atomically through
// agent/platform/files.h, so a crash leaves either the old or the new file,
// never half.
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

// Creates `dir` (and parents) and makes it private (0700). Returns INTERNAL
// naming the path on failure.
Status EnsureStateDir(const std::string& dir);

// Writes `content` to `path` atomically, private (0600).
Status WriteFileAtomically(const std::string& path, const std::string& content);

std::string IdentityPath(const std::string& state_dir);
std::string CaPath(const std::string& state_dir);
std::string SpoolPath(const std::string& state_dir);

Status SaveIdentity(const std::string& state_dir, const AgentIdentity& id);

// Returns the stored identity; FAILED_PRECONDITION "not enrolled" when
// identity.json is missing; DATA_LOSS naming the file when it is corrupt.
// Logs a warning when the file is not private.
Result<AgentIdentity> LoadIdentity(const std::string& state_dir);

}  // namespace mamori::transport
