#pragma once

// SqliteDeviceStore: DeviceStore over its own connection to the collector's
// SQLite file (the views and tables of grading migration 8). Marks and their
// audit rows are written in one transaction.
//
// Thread safety: every public method takes an internal mutex.

#include <memory>
#include <mutex>
#include <string>

#include "collector/store/device_store.h"
#include "collector/store/sqlite/sqlite.h"

namespace mamori::store {

class SqliteDeviceStore final : public DeviceStore {
 public:
  // Opens the migrated database at `path`. NOT_FOUND when the file is absent.
  static Result<std::unique_ptr<SqliteDeviceStore>> Open(
      const std::string& path);

  Result<std::string> VendorSignature() override;
  Status ReplaceVendors(const std::vector<VendorRow>& rows,
                        const std::string& signature, TimePoint now) override;
  Result<std::vector<NetworkDevice>> ListDevices(
      int64_t org_id, const DeviceQuery& query) override;
  Result<int64_t> CountUnmanagedPcs(int64_t org_id,
                                    TimePoint seen_since) override;
  Status MarkDevice(int64_t org_id, const DeviceMark& mark,
                    const DeviceActor& actor, TimePoint now) override;
  Status ClearMark(int64_t org_id, const std::string& mac,
                   const DeviceActor& actor, TimePoint now) override;

 private:
  explicit SqliteDeviceStore(Database db) : db_(std::move(db)) {}
  Status CheckOrg(int64_t org_id);
  Result<std::string> CurrentMarkJson(int64_t org_id, const std::string& mac);

  std::mutex mu_;
  Database db_;
};

}  // namespace mamori::store
