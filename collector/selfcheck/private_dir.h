#pragma once

// A new directory only this user can read, for the self-check's temporary
// store. One file per platform (private_dir_posix.cpp,
// private_dir_windows.cpp), chosen by CMake. Thread-safe.

#include <filesystem>

#include "common/status.h"

namespace mamori::selfcheck {

// Creates a directory with a fresh random name under `parent`. POSIX:
// mkdtemp (mode 0700). Windows: CreateDirectoryW, which gives it the
// parent's inherited ACL (the user's own %TEMP% by default). Returns its
// path; INTERNAL naming `parent` when none can be made.
Result<std::filesystem::path> MakePrivateDir(
    const std::filesystem::path& parent);

}  // namespace mamori::selfcheck
