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
#include <string>
#include <vector>

#include "agent/config/agent_config.h"
#include "common/status.h"

namespace mamori::agent {

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

}  // namespace mamori::agent
