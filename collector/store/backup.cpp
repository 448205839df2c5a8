#include "collector/store/backup.h"

namespace mamori::store {

Status CheckBackupPath(std::string_view path) {
  auto bad = [&](std::string_view why) {
    std::string shown;
    for (char c : path.substr(0, 80)) {
      shown += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    }
    return InvalidArgumentError("unsafe file path \"" + shown +
                                "\" in the backup: " + std::string(why));
  };
  if (path.empty()) return bad("empty");
  if (path.size() > 255) return bad("longer than 255 bytes");
  if (path.front() == '/') return bad("absolute");
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return bad("control character");
    }
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return bad("empty, \".\" or \"..\" component");
    }
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace mamori::store
