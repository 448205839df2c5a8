#include "agent/facts/linux/read_prefix.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mamori::facts::linux_util {

namespace {

Status ErrnoStatus(const std::string& path, int err) {
  const std::string message = path + ": " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return NotFoundError(message);
  if (err == EACCES || err == EPERM) return PermissionDeniedError(message);
  return InternalError(message);
}

}  // namespace

Result<std::string> ReadPrefix(const std::string& path, size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ErrnoStatus(path, errno);
  std::string out(max_bytes, '\0');
  size_t filled = 0;
  while (filled < max_bytes) {
    const ssize_t n = ::read(fd, out.data() + filled, max_bytes - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(path, err);
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(filled);
  return out;
}

}  // namespace mamori::facts::linux_util
