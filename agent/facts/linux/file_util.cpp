#include "agent/facts/linux/file_util.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/text.h"

namespace mamori::facts::linux_util {

Result<std::string> ReadTrimmed(const std::string& path) {
  // sysfs and procfs values are short; 1 MiB bounds a hostile file.
  Result<std::string> content = ReadFile(path, 1 << 20);
  if (!content.ok()) return content.status();
  return std::string(Trim(*content));
}

std::string ReadOptional(const std::string& path) {
  Result<std::string> value = ReadTrimmed(path);
  return value.ok() ? *value : std::string();
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::vector<std::string>> ListDirectory(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    const int err = errno;
    const std::string message = dir + ": " + std::strerror(err);
    if (err == EACCES || err == EPERM) return PermissionDeniedError(message);
    if (err == ENOENT || err == ENOTDIR) return NotFoundError(message);
    return InternalError(message);
  }
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<TimePoint> ModificationTime(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return TimePoint(std::chrono::seconds(st.st_mtim.tv_sec) +
                   std::chrono::duration_cast<TimePoint::duration>(
                       std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

std::optional<std::string> ReadLink(const std::string& path) {
  char buf[4096];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace mamori::facts::linux_util
