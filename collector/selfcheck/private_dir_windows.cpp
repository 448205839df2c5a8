// clang-format off
#include <windows.h>
// clang-format on

#include <cstdio>
#include <random>

#include "collector/selfcheck/private_dir.h"

namespace mamori::selfcheck {

Result<std::filesystem::path> MakePrivateDir(
    const std::filesystem::path& parent) {
  std::random_device random;
  for (int attempt = 0; attempt < 16; ++attempt) {
    char name[32];
    std::snprintf(name, sizeof name, "mamori-check-%08x%08x", random(),
                  random());
    const std::filesystem::path dir = parent / name;
    // Fails with ERROR_ALREADY_EXISTS rather than reuse a directory someone
    // else made: the name is new or another one is tried.
    if (CreateDirectoryW(dir.wstring().c_str(), nullptr)) return dir;
    if (GetLastError() != ERROR_ALREADY_EXISTS) break;
  }
  return InternalError("cannot create a private directory under " +
                       parent.string() + " for the self-check's store");
}

}  // namespace mamori::selfcheck
