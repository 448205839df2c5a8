#include "collector/store/open_store.h"

#include <filesystem>
#include <system_error>

#include "collector/store/grading_port.h"
#include "collector/store/postgres/pg_account_store.h"
#include "collector/store/postgres/pg_alert_store.h"
#include "collector/store/postgres/pg_console_store.h"
#include "collector/store/postgres/pg_device_store.h"
#include "collector/store/postgres/pg_regrade_queue.h"
#include "collector/store/postgres/pg_report_store.h"
#include "collector/store/postgres/pg_software_store.h"
#include "collector/store/postgres/postgres_store.h"
#include "collector/store/register_port.h"
#include "collector/store/sqlite/sqlite_account_store.h"
#include "collector/store/sqlite/sqlite_alert_store.h"
#include "collector/store/sqlite/sqlite_backup.h"
#include "collector/store/sqlite/sqlite_console_store.h"
#include "collector/store/sqlite/sqlite_device_store.h"
#include "collector/store/sqlite/sqlite_report_store.h"
#include "collector/store/sqlite/sqlite_software_store.h"
#include "collector/store/sqlite/sqlite_store.h"
#include "common/text.h"

namespace mamori::store {

namespace {
constexpr std::string_view kSqliteScheme = "sqlite:";
constexpr std::string_view kPostgresSchemes[] = {"postgresql://",
                                                 "postgres://"};
}  // namespace

bool IsPostgresUrl(std::string_view url) {
  for (std::string_view scheme : kPostgresSchemes) {
    if (StartsWith(url, scheme)) return true;
  }
  return false;
}

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
        "store URL \"" + RedactedUrl(url) +
        "\": unsupported scheme (sqlite:PATH or postgresql://…) / "
        "ストアの URL のスキームに対応していません (sqlite:PATH か "
        "postgresql://…)");
  }
  if (path.empty()) {
    return InvalidArgumentError(
        "store URL \"" + std::string(url) +
        "\" names no database file / "
        "ストアの URL にデータベースファイルがありません");
  }
  return std::string(path);
}

// The ports a PostgreSQL store does not have yet (issue #17).
Status NotOnPostgres(std::string_view what) {
  return UnimplementedError(std::string(what) +
                            " on PostgreSQL is not built yet (issue #17; "
                            "docs/scale.md) / PostgreSQL では未実装です");
}

}  // namespace

std::string RedactedUrl(std::string_view url) {
  // postgresql://user:secret@host/… → postgresql://user:***@host/…
  std::string out(url);
  const size_t scheme = out.find("://");
  if (scheme == std::string::npos) return out;
  const size_t at = out.find('@', scheme + 3);
  const size_t slash = out.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) {
    return out;
  }
  const size_t colon = out.find(':', scheme + 3);
  if (colon != std::string::npos && colon < at) {
    out.replace(colon + 1, at - colon - 1, "***");
  }
  // password=… in the query part.
  const size_t password = out.find("password=");
  if (password != std::string::npos) {
    const size_t end = out.find('&', password);
    out.replace(password + 9,
                (end == std::string::npos ? out.size() : end) - password - 9,
                "***");
  }
  return out;
}

Result<std::unique_ptr<Store>> OpenStore(std::string_view url,
                                         const Clock& clock,
                                         OpenOptions options) {
  if (IsPostgresUrl(url)) {
    // A server database always exists once reachable; the schema is
    // created when absent (init and serve alike), so options.create has no
    // file to test.
    auto opened = PostgresStore::Open(std::string(url), clock);
    if (!opened.ok()) return opened.status().WithContext(RedactedUrl(url));
    return std::unique_ptr<Store>(std::move(*opened));
  }
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

Result<std::unique_ptr<RegradeQueue>> OpenRegradeQueue(std::string_view url) {
  if (!IsPostgresUrl(url)) {
    return FailedPreconditionError(
        "the shared re-grade queue is for PostgreSQL; a SQLite store has one "
        "collector, which schedules its own re-grades");
  }
  auto opened = PgRegradeQueue::Open(std::string(url));
  if (!opened.ok()) return opened.status().WithContext(RedactedUrl(url));
  return std::unique_ptr<RegradeQueue>(std::move(*opened));
}

Result<std::unique_ptr<AccountStore>> OpenAccountStore(std::string_view url) {
  if (IsPostgresUrl(url)) {
    auto opened = pg::PgAccountStore::Open(std::string(url));
    if (!opened.ok()) return opened.status().WithContext(RedactedUrl(url));
    return std::unique_ptr<AccountStore>(std::move(*opened));
  }
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  auto opened = SqliteAccountStore::Open(*path);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<AccountStore>(std::move(*opened));
}

Result<std::unique_ptr<ConsoleStore>> OpenConsoleStore(std::string_view url) {
  if (IsPostgresUrl(url)) {
    auto opened = pg::PgConsoleStore::Open(std::string(url));
    if (!opened.ok()) return opened.status().WithContext(RedactedUrl(url));
    return std::unique_ptr<ConsoleStore>(std::move(*opened));
  }
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  auto opened = SqliteConsoleStore::Open(*path);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<ConsoleStore>(std::move(*opened));
}

Result<std::unique_ptr<SoftwarePort>> OpenSoftwareStore(std::string_view url) {
  if (IsPostgresUrl(url)) {
    auto opened = pg::PgSoftwareStore::Open(std::string(url));
    if (!opened.ok()) return opened.status().WithContext(RedactedUrl(url));
    return std::unique_ptr<SoftwarePort>(std::move(*opened));
  }
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  auto opened = SqliteSoftwareStore::Open(*path);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<SoftwarePort>(std::move(*opened));
}

Result<std::unique_ptr<AlertPort>> OpenAlertStore(std::string_view url) {
  if (IsPostgresUrl(url)) {
    auto opened = pg::PgAlertStore::Open(std::string(url));
    if (!opened.ok()) return opened.status().WithContext(RedactedUrl(url));
    return std::unique_ptr<AlertPort>(std::move(*opened));
  }
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  auto opened = SqliteAlertStore::Open(*path);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<AlertPort>(std::move(*opened));
}

Result<std::unique_ptr<ReportStore>> OpenReportStore(std::string_view url) {
  if (IsPostgresUrl(url)) {
    auto opened = pg::OpenPgReportStore(std::string(url));
    if (!opened.ok()) return opened.status().WithContext(RedactedUrl(url));
    return opened;
  }
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  return OpenSqliteReportStore(*path);
}

Result<std::unique_ptr<DeviceStore>> OpenDeviceStore(std::string_view url) {
  if (IsPostgresUrl(url)) {
    auto opened = pg::PgDeviceStore::Open(std::string(url));
    if (!opened.ok()) return opened.status();
    return std::unique_ptr<DeviceStore>(std::move(*opened));
  }
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  auto opened = SqliteDeviceStore::Open(*path);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<DeviceStore>(std::move(*opened));
}

Result<std::unique_ptr<BackupEngine>> OpenBackupEngine(std::string_view url) {
  if (IsPostgresUrl(url)) return NotOnPostgres("backup and restore");
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  return NewSqliteBackupEngine();
}

}  // namespace mamori::store
