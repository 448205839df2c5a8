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

// The ports a PostgreSQL store does not have yet (issue #17).
Status NotOnPostgres(std::string_view what) {
  return UnimplementedError(std::string(what) +
                            " on PostgreSQL is not built yet (issue #17; "
                            "docs/scale.md) / PostgreSQL では未実装です");
}

}  // namespace

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
