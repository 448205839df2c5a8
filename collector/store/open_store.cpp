#include "collector/store/open_store.h"

#include <filesystem>
#include <system_error>

#include "collector/store/grading_port.h"
#include "collector/store/register_port.h"
#include "collector/store/sqlite/sqlite_account_store.h"
#include "collector/store/sqlite/sqlite_backup.h"
#include "collector/store/sqlite/sqlite_console_store.h"
#include "collector/store/sqlite/sqlite_device_store.h"
#include "collector/store/sqlite/sqlite_report_store.h"
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

namespace {

// The SQLite file a store URL names, or INVALID_ARGUMENT naming the URL.
Result<std::string> SqlitePathOf(std::string_view url) {
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
  return std::string(path);
}

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(std::string_view url,
                                         const Clock& clock,
                                         OpenOptions options) {
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  const std::string& file = *path;
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

Result<std::unique_ptr<AccountStore>> OpenAccountStore(std::string_view url) {
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  auto opened = SqliteAccountStore::Open(*path);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<AccountStore>(std::move(*opened));
}

Result<std::unique_ptr<ConsoleStore>> OpenConsoleStore(std::string_view url) {
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  auto opened = SqliteConsoleStore::Open(*path);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<ConsoleStore>(std::move(*opened));
}

Result<std::unique_ptr<ReportStore>> OpenReportStore(std::string_view url) {
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  return OpenSqliteReportStore(*path);
}

Result<std::unique_ptr<DeviceStore>> OpenDeviceStore(std::string_view url) {
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  auto opened = SqliteDeviceStore::Open(*path);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<DeviceStore>(std::move(*opened));
}

Result<std::unique_ptr<BackupEngine>> OpenBackupEngine(std::string_view url) {
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  return NewSqliteBackupEngine();
}

}  // namespace mamori::store
