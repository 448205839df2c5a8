#pragma once

// POSIX mamori-agent without the transport: runs enroll, once and run by
// exec()ing the delivery program (mamori-agent-delivery), which has every
// command in process. exec keeps the pid, the environment and open standard
// streams, so a service manager or a caller sees the same process and exit
// code as if the command had run here. See agent/CMakeLists.txt.

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace mamori::agent {

// The delivery program's file name.
inline constexpr std::string_view kDeliveryProgram = "mamori-agent-delivery";
// The self-check program's file name (`check`: the collector's checks run
// locally, agent/check/; built only with the collector's libraries).
inline constexpr std::string_view kCheckProgram = "mamori-agent-check";

// Where to look for a helper program (default: the delivery program), in
// order, for an executable at `self` (an absolute path): beside it, then
// `helper_dir` (relative to its directory, or absolute) / `program`. Pure.
std::vector<std::string> DeliveryProgramCandidates(
    const std::string& self, const std::string& helper_dir,
    std::string_view program = kDeliveryProgram);

// Replaces this process with the delivery program running
// `mamori-agent <command> <args...>`. Returns only on failure: prints why to
// `err` (naming the places looked in) and returns 1.
int ExecDeliveryProgram(std::string_view command,
                        const std::vector<std::string>& args,
                        std::ostream& err);

// The same for the self-check program (`check`). Returns only on failure,
// saying that the program comes with a build that has the collector's
// libraries, and returns 4 (the check could not run).
int ExecCheckProgram(const std::vector<std::string>& args, std::ostream& err);

}  // namespace mamori::agent
