#pragma once

// `mamori-agent check`: collects this endpoint's facts and grades them with
// the collector's built-in checks locally (collector/selfcheck), printing
// each employee rule's result, its evidence and what to do, in Japanese or
// English, as text or JSON. Runs in the mamori-agent-check program, which
// mamori-agent execs (agent/CMakeLists.txt). Not thread-safe with respect to
// the output streams it is given.

#include <iosfwd>
#include <string>
#include <vector>

#include "collector/selfcheck/local_check.h"
#include "common/clock.h"

namespace mamori::agent {

// Exit codes (also in the usage text and docs/usage.md).
inline constexpr int kCheckExitPass = 0;     // nothing fails, nothing unknown
inline constexpr int kCheckExitFail = 1;     // a check fails
inline constexpr int kCheckExitUsage = 2;    // bad command line
inline constexpr int kCheckExitUnknown = 3;  // none fails, some unknown/error
inline constexpr int kCheckExitBroken = 4;   // the self-check could not run

// Runs the command with `args` (the words after "check"). `environment_lang`
// is the language when --lang is not given ("ja" or "en").
int RunCheckCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err, const std::string& environment_lang,
                    const Clock& clock = SystemClock::Instance());

// The report as text for a person (every endpoint string made terminal-safe)
// and as JSON (UTF-8, invalid sequences replaced).
std::string FormatCheckText(const selfcheck::LocalReport& report,
                            const std::string& lang);
std::string FormatCheckJson(const selfcheck::LocalReport& report,
                            const std::string& lang);

}  // namespace mamori::agent
