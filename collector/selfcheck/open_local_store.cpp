// The store openers of the self-check's SQLite-only engine
// (mamori_check_engine): the functions of collector/store/open_store.h that
// the engine calls, over SQLite alone. The collector's open_store.cpp also
// opens PostgreSQL and so links libpq, which the agent's programs (and the
// Windows libraries they are built against) do not have. A PostgreSQL URL
// cannot reach this engine (it makes its own temporary SQLite file); it is
// refused with a message saying why.
#include <filesystem>
#include <system_error>

#include "collector/store/open_store.h"
#include "collector/store/sqlite/sqlite_device_store.h"
#include "collector/store/sqlite/sqlite_software_store.h"
#include "collector/store/sqlite/sqlite_store.h"

namespace mamori::store {

namespace {

Status NoPostgresHere(std::string_view url) {
  return FailedPreconditionError(
      "store URL \"" + RedactedUrl(url) +
      "\": the self-check keeps its store in SQLite; PostgreSQL is not built "
      "into this program / このプログラムは PostgreSQL に対応していません");
}

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(std::string_view url,
                                         const Clock& clock,
                                         OpenOptions options) {
  if (IsPostgresUrl(url)) return NoPostgresHere(url);
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  if (!options.create) {
    std::error_code ec;
    if (!std::filesystem::exists(*path, ec)) {
      return NotFoundError(*path + ": no database");
    }
  }
  auto opened = SqliteStore::Open(*path, clock);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<Store>(std::move(*opened));
}

Result<std::unique_ptr<SoftwarePort>> OpenSoftwareStore(std::string_view url) {
  if (IsPostgresUrl(url)) return NoPostgresHere(url);
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  auto opened = SqliteSoftwareStore::Open(*path);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<SoftwarePort>(std::move(*opened));
}

Result<std::unique_ptr<DeviceStore>> OpenDeviceStore(std::string_view url) {
  if (IsPostgresUrl(url)) return NoPostgresHere(url);
  Result<std::string> path = SqlitePathOf(url);
  if (!path.ok()) return path.status();
  auto opened = SqliteDeviceStore::Open(*path);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<DeviceStore>(std::move(*opened));
}

}  // namespace mamori::store
