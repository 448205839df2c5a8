#pragma once

// Small Linux file helpers shared by the Linux family gatherers: reading one
// short sysfs/procfs value, testing existence, listing a directory and a
// file's mtime. Thread-safe (no shared state).

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace mamori::facts::linux_util {

// Returns the file's content with surrounding white space trimmed; the
// ReadFile errors otherwise (NOT_FOUND, PERMISSION_DENIED, ...).
Result<std::string> ReadTrimmed(const std::string& path);

// Returns the trimmed content, or "" on any error (for optional attributes).
std::string ReadOptional(const std::string& path);

bool Exists(const std::string& path);
bool IsDirectory(const std::string& path);

// Returns the names in `dir` (without "." and ".."), sorted; NOT_FOUND or
// PERMISSION_DENIED when it cannot be listed.
Result<std::vector<std::string>> ListDirectory(const std::string& dir);

// Returns the modification time, or nullopt when the file cannot be stat'ed.
std::optional<TimePoint> ModificationTime(const std::string& path);

// Returns the target of a symbolic link, or nullopt when not a link.
std::optional<std::string> ReadLink(const std::string& path);

}  // namespace mamori::facts::linux_util
