#pragma once

// Runs one program (no shell) and captures its standard output, for the rare
// fact that has no file or kernel interface (legacy iptables rules). Used at
// most once per family per collection. Thread-safe.

#include <string>
#include <vector>

#include "common/status.h"

namespace mamori::facts::linux_util {

// Runs argv[0] (an absolute path) with `argv`, stdin and stderr on /dev/null,
// and returns its stdout. Errors: NOT_FOUND when the program does not exist,
// OUT_OF_RANGE when the output exceeds `max_bytes`, DEADLINE_EXCEEDED after
// `timeout_ms` (the child is killed), INTERNAL when it exits non-zero or
// fork/exec fails (the message names the program and the exit status).
Result<std::string> RunCapture(const std::vector<std::string>& argv,
                               size_t max_bytes = 16 << 20,
                               int timeout_ms = 5000);

}  // namespace mamori::facts::linux_util
