#pragma once

// `mamori-facts.exe --check`: the self-check (agent/check/), when this build
// has the Windows agent's libraries (scripts/windows-deps.sh) to link the
// check engine; otherwise a clear "not in this build". CMake picks
// self_check_linked.cpp or self_check_absent.cpp. Not thread-safe (writes
// the console).

#include <string>
#include <vector>

namespace mamori::facts_exe {

// The --check lines of the program's usage text.
const char* SelfCheckUsage();

// Runs the self-check with `args` (the words after --check: --lang,
// --format, --help) and returns its exit status (0 pass, 1 fail, 2 usage,
// 3 unknown, 4 could not run: docs/usage.md).
int RunSelfCheck(const std::vector<std::string>& args);

}  // namespace mamori::facts_exe
