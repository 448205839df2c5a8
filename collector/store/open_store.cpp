#include "collector/store/open_store.h"

#include <filesystem>
#include <system_error>

#include "collector/store/grading_port.h"
#include "collector/store/register_port.h"
#include "collector/store/sqlite/sqlite_store.h"
#include "common/text.h"

namespace mamori::store {

namespace {
constexpr std::string_view kSqliteScheme = "sqlite:";
}  // namespace

Result<std::unique_ptr<GradingPort>> Store::OpenGrading() {
  return UnimplementedError("this store keeps no grading data");
}

Result<std::unique_ptr<asset_register::RegisterPort>> Store::OpenRegister(
    const Clock&) {
  return UnimplementedError("this store keeps no register");
}

std::string SqliteUrl(std::string_view path) {
  return std::string(kSqliteScheme) + std::string(path);
}

Result<std::unique_ptr<Store>> OpenStore(std::string_view url,
                                         const Clock& clock,
                                         OpenOptions options) {
  std::string_view path = url;
  if (StartsWith(url, kSqliteScheme)) {
    path.remove_prefix(kSqliteScheme.size());
  } else if (url.find("://") != std::string_view::npos) {
    return InvalidArgumentError(
        "store URL \"" + std::string(url) +
        "\": unsupported scheme (sqlite:PATH is the one built in) / "
        "ストアの URL のスキームに対応していません (sqlite:PATH のみ)");
  }
  if (path.empty()) {
    return InvalidArgumentError(
        "store URL \"" + std::string(url) +
        "\" names no database file / "
        "ストアの URL にデータベースファイルがありません");
  }
  const std::string file(path);
  if (!options.create) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      return NotFoundError(file +
                           ": no database (run `mamori-collector init`)");
    }
  }
  auto opened = SqliteStore::Open(file, clock);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<Store>(std::move(*opened));
}

}  // namespace mamori::store
