#pragma once

// AgentConfig: the one typed configuration of mamori-agent, loaded from a
// YAML file (by default /etc/mamori/agent.conf, on Windows
// %ProgramData%\mamori\agent.conf; `--config FILE` otherwise)
// and validated before anything runs. A bad file yields an error naming the
// file, the line, the key and what was expected; unknown keys are errors too
// so a misspelt setting never silently falls back to a default.
//
// Example (every key optional):
//   state_dir: /var/lib/mamori
//   log_level: info
//   collector:
//     server: collector.example.jp:50443   # overrides the enrolled address
//     ca_file: /etc/mamori/ca.pem          # default: <state_dir>/ca.pem
//     timeout: 30s
//   schedule:
//     interval: 1h
//     jitter: 10%
//   spool:
//     max_size: 50MiB
//     max_age: 30d
//   collect:
//     root: /
//     families: [system, packages]
//
// Pure functions over values; thread-safe.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/platform/paths.h"
#include "common/status.h"

namespace mamori::agent {

// This platform's defaults (agent/platform/paths.h): /etc/mamori/agent.conf
// and /var/lib/mamori on POSIX, under %ProgramData%\mamori on Windows.
inline const std::string kDefaultConfigPath = platform::DefaultConfigPath();
inline const std::string kDefaultStateDir = platform::DefaultStateDir();

struct AgentConfig {
  // Where identity, CA certificate and spool live.
  std::string state_dir = platform::DefaultStateDir();
  std::string log_level = "info";
  // HOST:PORT; empty means the address stored at enrollment.
  std::string server;
  // PEM CA bundle; empty means <state_dir>/ca.pem stored at enrollment.
  std::string ca_file;
  // Deadline of one RPC.
  std::chrono::seconds rpc_timeout{30};
  // Time between collections in `run`, and the random spread around it as a
  // fraction (0.1 = ±10 %) so a fleet does not report in lockstep.
  std::chrono::seconds interval{3600};
  double jitter_fraction = 0.1;
  // Spool bounds.
  uint64_t spool_max_bytes = 50ull << 20;
  std::chrono::seconds spool_max_age{30 * 24 * 3600};
  // Collection options (same meaning as `mamori-agent facts`).
  std::string root;
  std::vector<std::string> families;
};

// Parses YAML `text`; `source` names the file in error messages. Returns the
// config with defaults for absent keys, or INVALID_ARGUMENT
// "<source>:<line>: <key>: expected <what>, got '<value>'".
Result<AgentConfig> ParseAgentConfig(std::string_view text,
                                     const std::string& source);

// Loads `path`. A missing file yields the defaults when `must_exist` is
// false (the default path on a machine without a config), NOT_FOUND naming
// the path otherwise; parse errors as ParseAgentConfig.
Result<AgentConfig> LoadAgentConfig(const std::string& path, bool must_exist);

// "90s", "15m", "1h", "30d" or a plain number of seconds. nullopt on junk,
// zero or negative values.
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);

// "50MiB", "512KiB", "1GiB" or a plain number of bytes. nullopt on junk or
// zero.
std::optional<uint64_t> ParseByteSize(std::string_view text);

}  // namespace mamori::agent
