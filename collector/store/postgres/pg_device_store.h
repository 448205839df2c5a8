#pragma once

// PgDeviceStore: DeviceStore (store/device_store.h) on PostgreSQL, over the
// tables and views of pg_device_schema.cpp, with the same behaviour as
// SqliteDeviceStore (tests/unmanaged_devices_test.cpp runs both). Marks
// and their console_audit rows are written in one transaction; the vendor
// registry is replaced with COPY under a transaction advisory lock, so two
// collectors loading it at once load it once after the other.
//
// Thread safety: every public method takes an internal mutex (one
// connection).

#include <memory>
#include <mutex>
#include <string>

#include "collector/store/device_store.h"
#include "collector/store/postgres/pg.h"

namespace mamori::store::pg {

class PgDeviceStore final : public DeviceStore {
 public:
  // Connects to `url` (a database PostgresStore::Open migrated). Returns
  // the store or UNAVAILABLE.
  static Result<std::unique_ptr<PgDeviceStore>> Open(const std::string& url);

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
  explicit PgDeviceStore(Connection conn) : conn_(std::move(conn)) {}
  Status CheckOrg(int64_t org_id);
  Result<std::string> CurrentMarkJson(int64_t org_id, const std::string& mac);

  std::mutex mu_;
  Connection conn_;
};

}  // namespace mamori::store::pg
