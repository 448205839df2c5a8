#include <stdlib.h>

#include "collector/selfcheck/private_dir.h"

namespace mamori::selfcheck {

Result<std::filesystem::path> MakePrivateDir(
    const std::filesystem::path& parent) {
  std::string pattern = (parent / "mamori-check-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return InternalError("cannot create a private directory under " +
                         parent.string() + " for the self-check's store");
  }
  return std::filesystem::path(pattern);
}

}  // namespace mamori::selfcheck
