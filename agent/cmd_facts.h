#pragma once

// `mamori-agent facts`: collect now and print, as proto JSON or a table.
// Not thread-safe with respect to the output streams it is given.

#include <iosfwd>
#include <string>
#include <vector>

#include "common/clock.h"

namespace mamori::agent {

// Runs the command with `args` (the words after "facts"), printing to `out`
// and `err`. Returns 0 on success (also when families are unsupported), 2 on
// usage errors, 1 on an internal failure.
int RunFactsCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err,
                    const Clock& clock = SystemClock::Instance());

}  // namespace mamori::agent
