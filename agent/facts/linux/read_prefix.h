#pragma once

// Reads the first bytes of a possibly huge file (ClamAV databases are
// 50–200 MB; a LUKS header sits at the start of a whole partition), which
// common/text.h's ReadFile refuses by design. Thread-safe (no shared state).

#include <cstddef>
#include <string>

#include "common/status.h"

namespace mamori::facts::linux_util {

// Returns up to `max_bytes` from the start of `path` (less when the file is
// shorter). Errors: NOT_FOUND, PERMISSION_DENIED, INTERNAL, each naming the
// path and the OS reason.
Result<std::string> ReadPrefix(const std::string& path, size_t max_bytes);

}  // namespace mamori::facts::linux_util
