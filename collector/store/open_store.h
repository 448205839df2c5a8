#pragma once

// OpenStore: the one way the collector's programs (CLI, service, policy
// layer, benches) get a store. The URL names the backend:
//
//   sqlite:PATH      the embedded SQLite file at PATH (e.g.
//                    sqlite:/var/lib/mamori/collector.db); a bare PATH
//                    without a scheme means the same
//   postgresql://…   a PostgreSQL 15 database (libpq URI, also postgres://),
//                    shared by any number of collectors: the core Store,
//                    grading (Store::OpenGrading), the software, account,
//                    console, report, device and alert ports so far; the
//                    others answer UNIMPLEMENTED (docs/scale.md)
//
// A new backend adds its folder under collector/store/ and one branch here.
// The self-check's SQLite-only engine (collector/selfcheck/) opens SQLite
// URLs alone and refuses the others (open_local_store.cpp).
//
// Thread safety: OpenStore may be called from any thread; what it returns is
// described in store.h.

#include <memory>
#include <string>
#include <string_view>

#include "collector/store/account_store.h"
#include "collector/store/alert_port.h"
#include "collector/store/backup.h"
#include "collector/store/console_store.h"
#include "collector/store/device_store.h"
#include "collector/store/regrade_queue.h"
#include "collector/store/report_store.h"
#include "collector/store/software_port.h"
#include "collector/store/store.h"
#include "common/clock.h"
#include "common/status.h"

namespace mamori::store {

struct OpenOptions {
  // Create the database when absent (init, serve, tests). When false an
  // absent database is NOT_FOUND naming it.
  bool create = true;
};

// The store URL for the SQLite file at `path`.
std::string SqliteUrl(std::string_view path);
// True when `url` names a PostgreSQL database (postgresql:// or postgres://).
bool IsPostgresUrl(std::string_view url);
// `url` with any password replaced by "***", for messages and logs.
std::string RedactedUrl(std::string_view url);
// The file a SQLite store URL (sqlite:PATH or a bare PATH) names;
// INVALID_ARGUMENT naming the URL for another scheme or no path.
Result<std::string> SqlitePathOf(std::string_view url);

// Opens the store named by `url` and brings its schema up to date.
// `clock` must outlive the store. Returns the store; INVALID_ARGUMENT naming
// the URL for an unknown or unsupported scheme or an empty path; NOT_FOUND
// when `options.create` is false and the database is absent; or the
// backend's open/migration error naming the database.
Result<std::unique_ptr<Store>> OpenStore(std::string_view url,
                                         const Clock& clock,
                                         OpenOptions options = {});

// The other ports over the same database, each with a connection of its own
// (the database must already exist and be migrated: OpenStore does that).
// Each returns the port; INVALID_ARGUMENT for a URL OpenStore would refuse;
// NOT_FOUND when the database is absent; the backend's open error otherwise.
Result<std::unique_ptr<AccountStore>> OpenAccountStore(std::string_view url);
Result<std::unique_ptr<ConsoleStore>> OpenConsoleStore(std::string_view url);
Result<std::unique_ptr<ReportStore>> OpenReportStore(std::string_view url);
// Software dictionary, rules and ledger (software_port.h).
Result<std::unique_ptr<SoftwarePort>> OpenSoftwareStore(std::string_view url);
// The re-grade queue shared by the collectors on one PostgreSQL database
// (regrade_queue.h), on a connection of its own. FAILED_PRECONDITION for a
// SQLite URL (one collector: serve's in-process scheduler); the connection
// error otherwise.
Result<std::unique_ptr<RegradeQueue>> OpenRegradeQueue(std::string_view url);
// Unmanaged devices and their marks (device_store.h).
Result<std::unique_ptr<DeviceStore>> OpenDeviceStore(std::string_view url);
// Alert channels, conditions, events and deliveries (alert_port.h).
Result<std::unique_ptr<AlertPort>> OpenAlertStore(std::string_view url);
// The backup engine of the backend that `url` names; INVALID_ARGUMENT as
// above. The engine copies the database file named by the URL's path.
Result<std::unique_ptr<BackupEngine>> OpenBackupEngine(std::string_view url);

}  // namespace mamori::store
