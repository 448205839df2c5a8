#pragma once

// The command-line options shared by `mamori-agent enroll`, `once` and `run`,
// parsed with Boost.program_options and merged over the config file: a flag
// given on the command line wins over the file, the file over the defaults.
//
//   --config FILE     config file (default /etc/mamori/agent.conf; a missing
//                     default file is fine, a missing named one is an error)
//   --state DIR       state directory (identity, CA, spool)
//   --root DIR        collect from a tree under DIR (as `facts --root`)
//   --family NAME     collect only this family (repeatable)
//   --log-level L     debug, info, warning, error
//
// Not thread-safe (fills the given objects).

#include <boost/program_options.hpp>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/agent_config.h"
#include "common/status.h"

namespace mamori::agent {

// Exit code of every agent command for a usage or config error.
inline constexpr int kExitUsage = 2;

// Adds the shared options to `desc`.
void AddCommonOptions(boost::program_options::options_description* desc);

// Parses `args` against `desc`. Returns INVALID_ARGUMENT with Boost's message
// naming the flag ("unrecognised option '--bogus'") on a usage error.
Result<boost::program_options::variables_map> ParseCommandLine(
    const std::vector<std::string>& args,
    const boost::program_options::options_description& desc);

// Loads the config file named by --config (or the default) and applies the
// shared flags over it. Errors name the file and key (see agent_config.h) or
// the flag.
Result<AgentConfig> ResolveConfig(
    const boost::program_options::variables_map& vm);

// What every command does first: parse `args` against `desc` (which holds the
// command's own options; the shared ones and --help are added here), answer
// --help, and resolve the config. Returns nullopt when the command is done
// already; *exit_code is then 0 (--help printed `usage` to `out`) or 2 (a
// usage or config error printed to `err` as "mamori-agent COMMAND: ...", with
// `usage` after a bad flag).
struct ParsedCommand {
  boost::program_options::variables_map vm;
  AgentConfig config;
};
std::optional<ParsedCommand> ParseAgentCommand(
    std::string_view command, const std::vector<std::string>& args,
    boost::program_options::options_description desc, std::string_view usage,
    std::ostream& out, std::ostream& err, int* exit_code);

}  // namespace mamori::agent
