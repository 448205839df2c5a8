// GradingService::SyncVendors over Debian's ieee-data (collector/devices):
// its own file because the registry's CSV parser links libcsv, which the
// self-check's engine for the Windows agent has not; that engine has
// collector/selfcheck/no_vendor_sync.cpp instead.
#include "collector/devices/oui.h"
#include "collector/policy/grading_service.h"
#include "common/log.h"

namespace mamori::policy {

Status GradingService::SyncVendors() {
  const std::string signature =
      devices::RegistrySignature(options_.ieee_data_dir);
  auto stored = devices_->VendorSignature();
  if (!stored.ok()) return stored.status();
  if (signature == *stored) return Status::Ok();
  auto registry = devices::VendorRegistry::Load(options_.ieee_data_dir);
  if (!registry.ok()) {
    // Grading goes on without vendor names: devices are not guessed to be
    // PCs, and the unmanaged-PC check says unknown where that matters.
    MAMORI_LOG(kWarning) << "device vendors unavailable: "
                         << registry.status().message();
    return Status::Ok();
  }
  std::vector<store::VendorRow> rows;
  rows.reserve(registry->assignments().size());
  for (const devices::VendorAssignment& a : registry->assignments()) {
    rows.push_back({a.prefix, a.organization, a.pc_maker});
  }
  return devices_->ReplaceVendors(rows, registry->signature(), clock_.Now());
}

}  // namespace mamori::policy
