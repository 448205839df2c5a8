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

// Where to look for the delivery program, in order, for an executable at
// `self` (an absolute path): beside it, then `helper_dir` (relative to its
// directory, or absolute) / kDeliveryProgram. Pure.
std::vector<std::string> DeliveryProgramCandidates(
    const std::string& self, const std::string& helper_dir);

// Replaces this process with the delivery program running
// `mamori-agent <command> <args...>`. Returns only on failure: prints why to
// `err` (naming the places looked in) and returns 1.
int ExecDeliveryProgram(std::string_view command,
                        const std::vector<std::string>& args,
                        std::ostream& err);

}  // namespace mamori::agent
